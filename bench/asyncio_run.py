"""The asyncio benchmark: MicroPython's asyncio as the emulator gives it to scripts
(`mpsock-micropython`, desktop profile) against CPython's asyncio on native sockets, the same
workload script (asyncio_workload.py) against one native peer, runs alternating, each figure the
median of the runs, as run.py does for the socket figures.

    python bench/asyncio_run.py [--quick] [--runs N] [--cpus LIST|all] [--json FILE] [--extension PATH]

Takes about 60 s (`--quick`: about 20 s) on a 2-core machine.
"""

import argparse
import datetime
import json
import os
import sys

import report
from metrics import ASYNCIO_METRICS
from run import emulator_command, machine_summary, run_pairs

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "asyncio_workload.py")


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
    args = parser.parse_args()
    scale = "quick" if args.quick else "full"
    cpus = None if args.cpus == "all" else {int(cpu) for cpu in args.cpus.split(",")}
    runs = args.runs or (3 if args.quick else 7)

    sides = [
        ("emulator", emulator_command(args.extension), dict(os.environ, MPSOCK_PROFILE=args.profile), []),
        ("native", [sys.executable], dict(os.environ), []),
    ]
    started = datetime.datetime.now().astimezone()
    print("mpsock asyncio benchmark, %s" % started.strftime("%Y-%m-%d %H:%M %Z"))
    print("machine: %s" % machine_summary())
    print(
        "emulator: %s (MPSOCK_PROFILE=%s, MicroPython's asyncio); native: %s (CPython's asyncio)"
        % (" ".join(sides[0][1]), args.profile, sys.executable)
    )
    print(
        "scale: %s, %d runs each, alternating; CPUs: %s"
        % (scale, runs, "any" if cpus is None else ",".join(str(cpu) for cpu in sorted(cpus))),
        flush=True,
    )

    results = run_pairs(sides, runs, scale, cpus, WORKLOAD)

    print()
    print(report.render(results, metrics=ASYNCIO_METRICS, not_yet_measured=()))
    print()
    print("per run (emulator and native, in run order):")
    print(report.render_runs(results, ASYNCIO_METRICS))
    print("machine after: %s" % machine_summary())
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "started": started.isoformat(),
                    "scale": scale,
                    "profile": args.profile,
                    "cpus": args.cpus,
                    "runs": results,
                },
                out,
                indent=1,
            )


if __name__ == "__main__":
    main()
