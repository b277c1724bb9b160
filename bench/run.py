"""The end-to-end benchmark: the emulator (`mpsock-micropython`, desktop profile) against
CPython's native sockets, the same workload script against one native peer, runs alternating,
each figure the median of the runs; then the round trip and bulk figures again under a camera
profile without shaping (`--camera-profile`, openmv-rt1062 by default; `--no-camera` skips
it), in the same alternation, to show what the camera's rules cost.

    python bench/run.py [--quick] [--runs N] [--cpus LIST|all] [--json FILE] [--extension PATH]
                        [--core-bench PATH] [--camera-profile NAME | --no-camera]

Takes about 100 s (`--quick`: about 35 s) on a 2-core machine. Numbers are noisy on a
shared machine: compare ratios from one run of this command, not figures across days. A run
whose peer died or did not start is run again with a new peer (at most driver.RUN_ATTEMPTS times),
not dropped.

The peer and the workloads run on one CPU (`--cpus 0`) unless told otherwise: where a wake-up
crosses CPUs it can cost more than the whole round trip (about 40 us more on this project's
virtual machines), and where the scheduler puts the two processes then decides the figure.
"""

import argparse
import os
import sys

import driver
import report
import shaping
from core_memory import core_memory_rows
from metrics import CAMERA_METRICS, CAMERA_PARTS

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "workload.py")
PEER = os.path.join(HERE, "peer.py")
FULL_RUNS = 7
# Bytes of each bulk transfer under the camera profile: its 800-byte segment per recv moves
# about 100 MB/s, so the desktop's 128 MiB would take most of a minute per run.
CAMERA_BULK_BYTES = {"full": 32 << 20, "quick": 8 << 20}
DEFAULT_CORE_BENCH = os.path.join(HERE, "..", "build", "bench", "bench", "mpsock_core_bench")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    driver.add_common_options(parser, FULL_RUNS)
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
    scale, cpus, runs = driver.settings(args, FULL_RUNS)

    # The camera profile's runs take the same link as the desktop's: no shaping (MPSOCK_*
    # settings other than the profile are left out of its environment).
    camera_env = {k: v for k, v in os.environ.items() if not k.startswith("MPSOCK_")}
    camera_env["MPSOCK_PROFILE"] = args.camera_profile
    camera_extra = ["only=" + CAMERA_PARTS, "bulk=%d" % CAMERA_BULK_BYTES[scale]]
    sides = driver.emulator_and_native(args)
    if not args.no_camera:
        sides.append(("camera", driver.emulator_command(args.extension), camera_env, camera_extra))
    started = driver.announce("mpsock end-to-end benchmark")
    print(
        "emulator: %s (MPSOCK_PROFILE=%s); native: %s" % (" ".join(sides[0][1]), args.profile, sys.executable)
    )
    if not args.no_camera:
        print(
            "camera: the same, MPSOCK_PROFILE=%s, no shaping, %s"
            % (args.camera_profile, " ".join(camera_extra))
        )
    print(
        "scale: %s, %d runs each, alternating; CPUs: %s" % (scale, runs, driver.describe_cpus(cpus)),
        flush=True,
    )

    results = driver.run_pairs(sides, runs, scale, cpus, WORKLOAD, PEER)

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
    print("machine after: %s" % driver.machine_summary())
    driver.write_json(
        args,
        started,
        scale,
        results,
        camera_profile=None if args.no_camera else args.camera_profile,
        cpus=args.cpus,
        core_memory=extra_rows,
    )


if __name__ == "__main__":
    main()
