"""What the benchmark drivers (run.py, asyncio_run.py, tls_bench.py) do alike: their common
command-line options, a native peer process pinned to the benchmark's CPUs, workload runs
against it, and the alternation of the sides, where a run whose peer failed is run again with a
new peer instead of dropped.

A peer is a CPython script that prints one line `PORTS name=N ...` and serves until its
standard input closes; a workload is a script run as `COMMAND WORKLOAD SCALE name=N ... EXTRA`
that prints its figures as `RESULT key value` lines.
"""

import datetime
import json
import os
import platform
import select
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_TIMEOUT_S = 300  # one workload run; a hung run fails instead of stalling the benchmark
PEER_START_TIMEOUT_S = 30
RUN_ATTEMPTS = 3  # a run whose peer failed is tried again with a new peer, this many times in all


def add_common_options(parser, full_runs, smaller="workloads"):
    """The options every driver takes; `full_runs` is the default of --runs without --quick."""
    parser.add_argument("--quick", action="store_true", help="smaller %s and 3 runs" % smaller)
    parser.add_argument("--runs", type=int, help="runs of each side (default %d, --quick 3)" % full_runs)
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


def settings(args, full_runs):
    """(scale, cpus, runs) from the common options: cpus is a set, or None for any CPU."""
    scale = "quick" if args.quick else "full"
    cpus = None if args.cpus == "all" else {int(cpu) for cpu in args.cpus.split(",")}
    runs = args.runs or (3 if args.quick else full_runs)
    return scale, cpus, runs


def describe_cpus(cpus):
    return "any" if cpus is None else ",".join(str(cpu) for cpu in sorted(cpus))


def pinned_to(cpus):
    """A preexec_fn that keeps a child (and the threads it starts) on `cpus`, or None."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)  # before exec, in a child of this single-threaded process


class PeerFailed(RuntimeError):
    """The native peer did not start, or is no longer running."""


class Peer:
    """A native peer process (the script `path`), serving every workload of every run."""

    def __init__(self, path, cpus):
        self.process = subprocess.Popen(
            [sys.executable, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=pinned_to(cpus),  # noqa: PLW1509 - the drivers start no threads
        )
        ready, _, _ = select.select([self.process.stdout], [], [], PEER_START_TIMEOUT_S)
        line = self.process.stdout.readline().split() if ready else []
        if not line or line[0] != "PORTS":
            self.close()
            raise PeerFailed("the peer %s did not start" % os.path.basename(path))
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


def start_peer(path, cpus):
    """A running peer, trying again when one does not start (a busy machine can be slow)."""
    for attempt in range(RUN_ATTEMPTS):
        try:
            return Peer(path, cpus)
        except PeerFailed:
            if attempt == RUN_ATTEMPTS - 1:
                raise
            print("  the peer did not start; starting another", flush=True)
    raise AssertionError("unreachable")


def emulator_command(extension):
    if extension:
        return [sys.executable, os.path.join(HERE, "with_extension.py"), extension]
    found = shutil.which("mpsock-micropython")
    return [found] if found else [sys.executable, "-m", "mpsock.micropython"]


def emulator_and_native(args):
    """The two sides every driver compares: the emulator under --profile, and native CPython."""
    return [
        ("emulator", emulator_command(args.extension), dict(os.environ, MPSOCK_PROFILE=args.profile), []),
        ("native", [sys.executable], dict(os.environ), []),
    ]


def run_workload(command, env, workload, scale, peer, cpus, extra=()):
    """One run of `workload` under `command`: its RESULT figures, {key: value}."""
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


def run_pairs(sides, runs, scale, cpus, workload, peer_path):
    """Runs every side `runs` times against one peer, in the given order and then the reverse,
    so drift in the machine's load hits all alike and each side runs next to the native one.
    sides: [(name, command, env, extra args)]; returns {name: [figures of each run]}.
    A run whose peer failed is run again whole (every side) with a new peer."""
    results = {name: [] for name, _, _, _ in sides}
    peer = start_peer(peer_path, cpus)
    try:
        for i in range(runs):
            order = sides if i % 2 == 0 else sides[::-1]
            for attempt in range(RUN_ATTEMPTS):
                try:
                    figures = {
                        name: run_workload(command, env, workload, scale, peer, cpus, extra)
                        for name, command, env, extra in order
                    }
                    break
                except PeerFailed:
                    if attempt == RUN_ATTEMPTS - 1:
                        raise
                    print("  run %d: the peer failed; running it again with a new peer" % (i + 1), flush=True)
                    peer.close()
                    peer = start_peer(peer_path, cpus)
            for name, values in figures.items():
                results[name].append(values)
            print("  run %d/%d done" % (i + 1, runs), flush=True)
    finally:
        peer.close()
    return results


def announce(title):
    """Prints the report's first lines, the title with the time and the machine; returns the time."""
    started = datetime.datetime.now().astimezone()
    print("%s, %s" % (title, started.strftime("%Y-%m-%d %H:%M %Z")))
    print("machine: %s" % machine_summary())
    return started


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


def write_json(args, started, scale, results, **fields):
    """With --json, every run's figures and what they were measured under, `fields` among them."""
    if not args.json:
        return
    record = {"started": started.isoformat(), "scale": scale, "profile": args.profile}
    record.update(fields)
    record["runs"] = results
    with open(args.json, "w") as out:
        json.dump(record, out, indent=1)
