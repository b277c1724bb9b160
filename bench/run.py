"""The end-to-end benchmark: the emulator (`mpsock-micropython`, desktop profile) against
CPython's native sockets, the same workload script against one native peer, runs alternating,
each figure the median of the runs; then the round trip and bulk figures again under a camera
profile without shaping (`--camera-profile`, openmv-rt1062 by default; `--no-camera` skips
it), in the same alternation, to show what the camera's rules cost.

    python bench/run.py [--quick] [--runs N] [--cpus LIST|all] [--json FILE] [--extension PATH]
                        [--core-bench PATH] [--camera-profile NAME | --no-camera]

Takes about 100 s (`--quick`: about 35 s) on a 2-core machine. Numbers are noisy on a
shared machine: compare ratios from one run of this command, not figures across days. A run
whose peer died or did not start is run again with a new peer (at most RUN_ATTEMPTS times),
not dropped.

The peer and the workloads run on one CPU (`--cpus 0`) unless told otherwise: where a wake-up
crosses CPUs it can cost more than the whole round trip (about 40 us more on this project's
virtual machines), and where the scheduler puts the two processes then decides the figure.
"""

import argparse
import datetime
import json
import os
import platform
import select
import shutil
import subprocess
import sys

import report
import shaping
from core_memory import core_memory_rows
from metrics import CAMERA_METRICS, CAMERA_PARTS

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "workload.py")
PEER = os.path.join(HERE, "peer.py")
RUN_TIMEOUT_S = 300  # one workload run; a hung run fails instead of stalling the benchmark
PEER_START_TIMEOUT_S = 30
RUN_ATTEMPTS = 3  # a run whose peer failed is tried again with a new peer, this many times in all
# Bytes of each bulk transfer under the camera profile: its 800-byte segment per recv moves
# about 100 MB/s, so the desktop's 128 MiB would take most of a minute per run.
CAMERA_BULK_BYTES = {"full": 32 << 20, "quick": 8 << 20}
DEFAULT_CORE_BENCH = os.path.join(HERE, "..", "build", "bench", "bench", "mpsock_core_bench")


def pinned_to(cpus):
    """A preexec_fn that keeps a child (and the threads it starts) on `cpus`, or None."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)  # before exec, in a child of this single-threaded process


class PeerFailed(RuntimeError):
    """The native peer did not start, or is no longer running."""


class Peer:
    """The native peer process, serving every workload of every run."""

    def __init__(self, cpus):
        self.process = subprocess.Popen(
            [sys.executable, PEER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=pinned_to(cpus),  # noqa: PLW1509 - run.py starts no threads
        )
        ready, _, _ = select.select([self.process.stdout], [], [], PEER_START_TIMEOUT_S)
        line = self.process.stdout.readline().split() if ready else []
        if not line or line[0] != "PORTS":
            self.close()
            raise PeerFailed("the peer did not start")
        self.port_args = line[1:]

    def alive(self):
        return self.process.poll() is None

    def close(self):
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def emulator_command(extension):
    if extension:
        return [sys.executable, os.path.join(HERE, "with_extension.py"), extension]
    found = shutil.which("mpsock-micropython")
    return [found] if found else [sys.executable, "-m", "mpsock.micropython"]


def start_peer(cpus):
    """A running peer, trying again when one does not start (a busy machine can be slow)."""
    for attempt in range(RUN_ATTEMPTS):
        try:
            return Peer(cpus)
        except PeerFailed:
            if attempt == RUN_ATTEMPTS - 1:
                raise
            print("  the peer did not start; starting another", flush=True)
    raise AssertionError("unreachable")


def run_workload(command, env, scale, peer, cpus, workload=WORKLOAD, extra=()):
    completed = subprocess.run(
        command + [workload, scale] + peer.port_args + list(extra),
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
        preexec_fn=pinned_to(cpus),
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        if not peer.alive():
            raise PeerFailed("the peer stopped during a run")
        raise RuntimeError("workload failed: %s" % " ".join(command))
    figures = {}
    for line in completed.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "RESULT":
            figures[parts[1]] = float(parts[2])
    return figures


def run_pairs(sides, runs, scale, cpus, workload=WORKLOAD):
    """Runs every side `runs` times against one peer, in the given order and then the reverse,
    so drift in the machine's load hits all alike and each side runs next to the native one. sides: [(name, command, env, extra args)].
    A run whose peer failed is run again whole (every side) with a new peer."""
    results = {name: [] for name, _, _, _ in sides}
    peer = start_peer(cpus)
    try:
        for i in range(runs):
            order = sides if i % 2 == 0 else sides[::-1]
            for attempt in range(RUN_ATTEMPTS):
                try:
                    figures = {
                        name: run_workload(command, env, scale, peer, cpus, workload, extra)
                        for name, command, env, extra in order
                    }
                    break
                except PeerFailed:
                    if attempt == RUN_ATTEMPTS - 1:
                        raise
                    print("  run %d: the peer failed; running it again with a new peer" % (i + 1), flush=True)
                    peer.close()
                    peer = start_peer(cpus)
            for name, values in figures.items():
                results[name].append(values)
            print("  run %d/%d done" % (i + 1, runs), flush=True)
    finally:
        peer.close()
    return results


def machine_summary():
    load = os.getloadavg()
    return "%s, %d CPUs, load %.2f %.2f %.2f, Python %s" % (
        platform.platform(),
        os.cpu_count() or 0,
        load[0],
        load[1],
        load[2],
        platform.python_version(),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads and 3 runs")
    parser.add_argument("--runs", type=int, help="runs of each side (default 7, --quick 3)")
    parser.add_argument("--profile", default="desktop", help="MPSOCK_PROFILE of the emulator runs")
    parser.add_argument(
        "--cpus",
        default="0",
        help="CPUs for the peer and the workloads, comma-separated, or 'all' (default 0)",
    )
    parser.add_argument("--json", help="also write every run's figures to this file")
    parser.add_argument(
        "--extension", help="a _mpsock*.so to run the emulator with instead of the installed one"
    )
    parser.add_argument(
        "--camera-profile",
        default="openmv-rt1062",
        help="the camera profile whose round trip and bulk figures are compared (default openmv-rt1062)",
    )
    parser.add_argument("--no-camera", action="store_true", help="leave out the camera profile's runs")
    parser.add_argument(
        "--core-bench",
        default=DEFAULT_CORE_BENCH,
        help="the C++ benchmark program, for the core's heap per socket (skipped if absent)",
    )
    args = parser.parse_args()
    scale = "quick" if args.quick else "full"
    cpus = None if args.cpus == "all" else {int(cpu) for cpu in args.cpus.split(",")}
    runs = args.runs or (3 if args.quick else 7)

    native_env = dict(os.environ)
    emulator_env = dict(os.environ, MPSOCK_PROFILE=args.profile)
    # The camera profile's runs take the same link as the desktop's: no shaping (MPSOCK_*
    # settings other than the profile are left out of its environment).
    camera_env = {k: v for k, v in os.environ.items() if not k.startswith("MPSOCK_")}
    camera_env["MPSOCK_PROFILE"] = args.camera_profile
    camera_extra = ["only=" + CAMERA_PARTS, "bulk=%d" % CAMERA_BULK_BYTES[scale]]
    sides = [
        ("emulator", emulator_command(args.extension), emulator_env, []),
        ("native", [sys.executable], native_env, []),
    ]
    if not args.no_camera:
        sides.append(("camera", emulator_command(args.extension), camera_env, camera_extra))
    started = datetime.datetime.now().astimezone()
    print("mpsock end-to-end benchmark, %s" % started.strftime("%Y-%m-%d %H:%M %Z"))
    print("machine: %s" % machine_summary())
    print(
        "emulator: %s (MPSOCK_PROFILE=%s); native: %s" % (" ".join(sides[0][1]), args.profile, sys.executable)
    )
    if not args.no_camera:
        print(
            "camera: the same, MPSOCK_PROFILE=%s, no shaping, %s"
            % (args.camera_profile, " ".join(camera_extra))
        )
    print(
        "scale: %s, %d runs each, alternating; CPUs: %s"
        % (scale, runs, "any" if cpus is None else ",".join(str(cpu) for cpu in sorted(cpus))),
        flush=True,
    )

    results = run_pairs(sides, runs, scale, cpus)

    extra_rows = core_memory_rows(args.core_bench)
    print()
    print(report.render(results, extra_rows))
    print("(paired: the median of the runs' own emulator/native ratios, which the verdict judges;")
    print(" spread: the lowest and highest of those ratios)")
    print()
    if not args.no_camera:
        print(
            "camera profile %s without shaping, against the desktop profile and native:" % args.camera_profile
        )
        print(report.render_camera(results, CAMERA_METRICS, args.camera_profile))
        print()
    # Under a camera profile the emulator shapes throughput on purpose; the figure there is
    # how closely the shaped rate keeps to the setting (target: within 5%).
    print("shaped link accuracy (measured rate / configured rate, target 0.95-1.05):")
    for label, mbit, ratio in shaping.rows(
        "openmv-rt1062", "8Mbit", 2_000_000 if not args.quick else 1_000_000
    ):
        print(
            "  %-44s %7.3f Mbit/s  %.3fx  %s"
            % (label, mbit, ratio, "ok" if 0.95 <= ratio <= 1.05 else "MISS")
        )
    print()
    print("per run (emulator and native, in run order):")
    print(report.render_runs(results))
    print("machine after: %s" % machine_summary())
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "started": started.isoformat(),
                    "scale": scale,
                    "profile": args.profile,
                    "camera_profile": None if args.no_camera else args.camera_profile,
                    "cpus": args.cpus,
                    "runs": results,
                    "core_memory": extra_rows,
                },
                out,
                indent=1,
            )


if __name__ == "__main__":
    main()
