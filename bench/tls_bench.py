"""The TLS benchmark: bulk throughput through TLS under the desktop profile, the emulator's ssl
(OpenSSL through CPython's MemoryBIO over the emulated sockets) against CPython's ssl on native
sockets, the same workload script (tls_workload.py) against one native TLS peer
(tls_peer.py), runs alternating, each figure the median of the runs.

    python bench/tls_bench.py [--quick] [--runs N] [--cpus LIST|all] [--profile NAME] [--json FILE]

Takes about 60 s (`--quick`: about 20 s) on a 2-core machine. Both sides negotiate TLS 1.2
with ECDHE-ECDSA-AES128-GCM-SHA256 (the peer offers only that suite), so the figure is what
the emulator's TLS layer costs on top of the encryption both do. The target for bulk
throughput is at least 0.8x native. As with bench/run.py, compare ratios from one run.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys

import report
from metrics import Metric, describe_target, verdict
from run import emulator_command, machine_summary, pinned_to

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "tls_workload.py")
PEER = os.path.join(HERE, "tls_peer.py")
RUN_TIMEOUT_S = 300

METRICS = (
    Metric("tls_send_mb_s", "TLS bulk send", "MB/s", "higher", ("ratio_min", 0.8)),
    Metric("tls_recv_mb_s", "TLS bulk receive", "MB/s", "higher", ("ratio_min", 0.8)),
    Metric("tls_handshake_ms", "TLS 1.2 handshake", "ms", "lower", None),
)


class Peer:
    def __init__(self, cpus):
        self.process = subprocess.Popen(
            [sys.executable, PEER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=pinned_to(cpus),  # noqa: PLW1509 - tls_bench.py starts no threads
        )
        line = self.process.stdout.readline().split()
        if not line or line[0] != "PORTS":
            self.close()
            raise RuntimeError("the TLS peer did not start")
        self.port_args = line[1:]

    def close(self):
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_workload(command, env, scale, peer, cpus):
    completed = subprocess.run(
        command + [WORKLOAD, scale] + peer.port_args,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
        preexec_fn=pinned_to(cpus),
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise RuntimeError("workload failed: %s" % " ".join(command))
    figures = {}
    for line in completed.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "RESULT":
            figures[parts[1]] = float(parts[2])
    return figures


def table(results):
    header = ["figure", "unit", "emulator", "native", "emu/native", "paired", "target", "verdict"]
    body = []
    for metric in METRICS:
        emulator = report.median([run.get(metric.key) for run in results["emulator"]])
        native = report.median([run.get(metric.key) for run in results["native"]])
        ratio = emulator / native if emulator is not None and native else None
        body.append(
            [
                metric.label,
                metric.unit,
                report.format_number(emulator),
                report.format_number(native),
                report.format_ratio(ratio),
                report.format_ratio(report.paired_ratio(metric, results)),
                describe_target(metric),
                verdict(metric, emulator, native),
            ]
        )
    widths = [max(len(str(row[i])) for row in [header] + body) for i in range(len(header))]
    lines = []
    for row in [header, ["-" * w for w in widths]] + body:
        cells = [
            str(c).rjust(widths[i]) if i in (2, 3, 4, 5) else str(c).ljust(widths[i])
            for i, c in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller transfers and 3 runs")
    parser.add_argument("--runs", type=int, help="runs of each side (default 5, --quick 3)")
    parser.add_argument("--profile", default="desktop", help="MPSOCK_PROFILE of the emulator runs")
    parser.add_argument(
        "--cpus", default="0", help="CPUs for the peer and the workloads, or 'all' (default 0)"
    )
    parser.add_argument("--json", help="also write every run's figures to this file")
    parser.add_argument(
        "--extension", help="a _mpsock*.so to run the emulator with instead of the installed one"
    )
    args = parser.parse_args()
    scale = "quick" if args.quick else "full"
    cpus = None if args.cpus == "all" else {int(cpu) for cpu in args.cpus.split(",")}
    runs = args.runs or (3 if args.quick else 5)
    sides = {
        "emulator": (emulator_command(args.extension), dict(os.environ, MPSOCK_PROFILE=args.profile)),
        "native": ([sys.executable], dict(os.environ)),
    }
    started = datetime.datetime.now().astimezone()
    print("mpsock TLS benchmark, %s" % started.strftime("%Y-%m-%d %H:%M %Z"))
    print("machine: %s" % machine_summary())
    print(
        "emulator: %s (MPSOCK_PROFILE=%s); native: %s"
        % (" ".join(sides["emulator"][0]), args.profile, sys.executable)
    )
    print("scale: %s, %d runs each, alternating" % (scale, runs), flush=True)
    results = {"emulator": [], "native": []}
    peer = Peer(cpus)
    try:
        for i in range(runs):
            order = ("emulator", "native") if i % 2 == 0 else ("native", "emulator")
            for side in order:
                command, env = sides[side]
                results[side].append(run_workload(command, env, scale, peer, cpus))
            print("  run %d/%d done" % (i + 1, runs), flush=True)
    finally:
        peer.close()
    print()
    print(table(results))
    print()
    for metric in METRICS:
        for side in ("emulator", "native"):
            values = " ".join(report.format_number(run.get(metric.key)) for run in results[side])
            print("  %-18s %-8s %s" % (metric.key, side, values))
    print("machine after: %s" % machine_summary())
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {"started": started.isoformat(), "scale": scale, "profile": args.profile, "runs": results},
                out,
                indent=1,
            )


if __name__ == "__main__":
    main()
