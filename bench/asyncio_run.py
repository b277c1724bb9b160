"""The asyncio benchmark: MicroPython's asyncio as the emulator gives it to scripts
(`mpsock-micropython`, desktop profile) against CPython's asyncio on native sockets, the same
workload script (asyncio_workload.py) against one native peer, runs alternating, each figure the
median of the runs, as run.py does for the socket figures.

    python bench/asyncio_run.py [--quick] [--runs N] [--cpus LIST|all] [--json FILE] [--extension PATH]

Takes about 60 s (`--quick`: about 20 s) on a 2-core machine.
"""

import argparse
import os
import sys

import driver
import report
from metrics import ASYNCIO_METRICS

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "asyncio_workload.py")
PEER = os.path.join(HERE, "peer.py")
FULL_RUNS = 7


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    driver.add_common_options(parser, FULL_RUNS)
    args = parser.parse_args()
    scale, cpus, runs = driver.settings(args, FULL_RUNS)

    sides = driver.emulator_and_native(args)
    started = driver.announce("mpsock asyncio benchmark")
    print(
        "emulator: %s (MPSOCK_PROFILE=%s, MicroPython's asyncio); native: %s (CPython's asyncio)"
        % (" ".join(sides[0][1]), args.profile, sys.executable)
    )
    print(
        "scale: %s, %d runs each, alternating; CPUs: %s" % (scale, runs, driver.describe_cpus(cpus)),
        flush=True,
    )

    results = driver.run_pairs(sides, runs, scale, cpus, WORKLOAD, PEER)

    print()
    print(report.render(results, metrics=ASYNCIO_METRICS, not_yet_measured=()))
    print()
    print("per run (emulator and native, in run order):")
    print(report.render_runs(results, ASYNCIO_METRICS))
    print("machine after: %s" % driver.machine_summary())
    driver.write_json(args, started, scale, results, cpus=args.cpus)


if __name__ == "__main__":
    main()
