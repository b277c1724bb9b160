"""The TLS benchmark: bulk throughput through TLS under the desktop profile, the emulator's ssl
(OpenSSL through CPython's MemoryBIO over the emulated sockets) against CPython's ssl on native
sockets, the same workload script (tls_workload.py) against one native TLS peer
(tls_peer.py), runs alternating, each figure the median of the runs.

    python bench/tls_bench.py [--quick] [--runs N] [--cpus LIST|all] [--profile NAME] [--json FILE]

Takes about 60 s (`--quick`: about 20 s) on a 2-core machine. Both sides negotiate TLS 1.2
with ECDHE-ECDSA-AES128-GCM-SHA256 (the peer offers only that suite), so the figure is what
the emulator's TLS layer costs on top of the encryption both do. The target for bulk
throughput is at least 0.8x native. As with bench/run.py, compare ratios from one run, and a run
whose peer died or did not start is run again with a new peer, not dropped.
"""

import argparse
import os
import sys

import driver
import report
from metrics import Metric, describe_target, verdict

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "tls_workload.py")
PEER = os.path.join(HERE, "tls_peer.py")
FULL_RUNS = 5

METRICS = (
    Metric("tls_send_mb_s", "TLS bulk send", "MB/s", "higher", ("ratio_min", 0.8)),
    Metric("tls_recv_mb_s", "TLS bulk receive", "MB/s", "higher", ("ratio_min", 0.8)),
    Metric("tls_handshake_ms", "TLS 1.2 handshake", "ms", "lower", None),
)


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
    driver.add_common_options(parser, FULL_RUNS, smaller="transfers")
    args = parser.parse_args()
    scale, cpus, runs = driver.settings(args, FULL_RUNS)
    sides = driver.emulator_and_native(args)
    started = driver.announce("mpsock TLS benchmark")
    print(
        "emulator: %s (MPSOCK_PROFILE=%s); native: %s" % (" ".join(sides[0][1]), args.profile, sys.executable)
    )
    print("scale: %s, %d runs each, alternating" % (scale, runs), flush=True)
    results = driver.run_pairs(sides, runs, scale, cpus, WORKLOAD, PEER)
    print()
    print(table(results))
    print()
    for metric in METRICS:
        for side in ("emulator", "native"):
            values = " ".join(report.format_number(run.get(metric.key)) for run in results[side])
            print("  %-18s %-8s %s" % (metric.key, side, values))
    print("machine after: %s" % driver.machine_summary())
    driver.write_json(args, started, scale, results)


if __name__ == "__main__":
    main()
