"""A pytest plugin for camera scripts: run one under the emulator, out of process through
`mpsock run`, with a board profile, network conditions, faults and host entries; then read what
it printed, its exit status and its trace.

    def test_client(mpsock_run):
        run = mpsock_run("client.py", "127.0.0.1", "8080", latency="30ms", faults=["reset@1s"])
        run.check()                                   # exit status 0, or fail with its stderr
        assert "reconnected" in run.lines
        assert run.trace.errors() == [104]

    def test_server(mpsock_start, mpsock_port):
        server = mpsock_start("server.py", str(mpsock_port))
        server.wait_for_line(r"listening")           # then talk to it with native sockets
        ...
        assert server.stop().returncode == 0

Options of both (all keywords; None keeps `mpsock run`'s default): profile, latency, jitter,
bandwidth (with units, "30ms", "2Mbit", or plain numbers: ms and bit/s), loss ("1%" or 0.01),
seed, faults (list of specs), hosts ({"name": "ip"}), offline, expose, network ("up"/"down"),
connect_time, frames (a path), frame_timing ("sensor"/"off"), gc ("camera" or "eager"), strict, trace
(True: record and parse one), trace_limit ("1GB", or "none"), timeout (s),
env, cwd. Defaults for a test come from `@pytest.mark.mpsock(...)` with the same keywords, the
profile from `--mpsock-profile NAME` and the gc mode from `--mpsock-gc MODE`.

Enabled by the `pytest11` entry point of the installed package, or with
`pytest -p mpsock.pytest_plugin` / `pytest_plugins = ["mpsock.pytest_plugin"]`.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from . import traceview

DEFAULT_TIMEOUT = 60.0
STOP_GRACE = 5.0  # how long a stopped script gets to end after Ctrl-C


def loaded_by_entry_point():
    """Whether pytest loads this plugin by itself (the installed package's pytest11 entry
    point, plugin autoloading on). A test module that must also run before the package is
    installed can say: pytest_plugins = [] if loaded_by_entry_point() else ["mpsock.pytest_plugin"]"""
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    from importlib.metadata import entry_points

    found = entry_points()
    group = found.select(group="pytest11") if hasattr(found, "select") else found.get("pytest11", [])
    return any(ep.value == __name__ for ep in group)


def free_port():
    """A TCP/UDP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Trace:
    """The parsed records of a run's trace, with ways to pick them."""

    def __init__(self, records):
        self.records = records

    def calls(self, name=None, sock=None):
        return [
            r
            for r in self.records
            if "call" in r and name in (None, r["call"]) and sock in (None, r.get("sock"))
        ]

    def events(self, name=None, sock=None):
        return [
            r
            for r in self.records
            if "event" in r and name in (None, r["event"]) and sock in (None, r.get("sock"))
        ]

    def errors(self):
        """The errno of every failed call, in order."""
        return [r["errno"] for r in self.records if "call" in r and "errno" in r]

    @property
    def totals(self):
        return traceview.Totals(self.records)

    def timeline(self):
        return "\n".join(traceview.timeline_lines(self.records))

    def __len__(self):
        return len(self.records)


class ScriptResult:
    """A finished run: exit status, output and trace."""

    def __init__(self, command, returncode, stdout, stderr, trace_path):
        self.command = command
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.trace_path = trace_path
        self._trace = None

    @property
    def lines(self):
        return self.stdout.splitlines()

    @property
    def trace(self):
        if self._trace is None:
            exists = self.trace_path and os.path.exists(self.trace_path)
            self._trace = Trace(traceview.read_records(self.trace_path) if exists else [])
        return self._trace

    def check(self, returncode=0):
        """The run itself if it ended with `returncode`; a failure showing its output if not."""
        if self.returncode != returncode:
            raise AssertionError(
                "script exited with %s, expected %s\n%s" % (self.returncode, returncode, self.describe())
            )
        return self

    def describe(self):
        return "command: %s\n--- stdout ---\n%s--- stderr ---\n%s" % (
            " ".join(self.command),
            self.stdout,
            self.stderr,
        )

    def __repr__(self):
        return "<ScriptResult returncode=%s lines=%d>" % (self.returncode, len(self.lines))


def _quantity(value, unit):
    # The command line takes plain decimals with a unit (no exponent): 2e6 -> "2000000bit".
    if isinstance(value, str):
        return value
    number = float(value)
    return ("%d" % number if number.is_integer() else repr(number)) + unit


def command_line(script, args, options, trace_path):
    """The `mpsock run` command for a script and the options above."""
    command = [sys.executable, "-m", "mpsock.cli", "run"]
    if options.get("profile"):
        command += ["--profile", options["profile"]]
    for key, unit in (("latency", "ms"), ("jitter", "ms"), ("bandwidth", "bit")):
        if options.get(key) is not None:
            command += ["--" + key, _quantity(options[key], unit)]
    if options.get("loss") is not None:
        command += ["--loss", str(options["loss"])]
    if options.get("seed") is not None:
        command += ["--seed", str(options["seed"])]
    for fault in options.get("faults") or ():
        command += ["--fault", fault]
    hosts = options.get("hosts") or {}
    for name, address in hosts.items() if isinstance(hosts, dict) else (h.split("=", 1) for h in hosts):
        command += ["--host", "%s=%s" % (name, address)]
    if options.get("offline"):
        command.append("--offline")
    if options.get("expose"):
        command.append("--expose")
    network = options.get("network")
    if network is not None:
        command += ["--network", network if isinstance(network, str) else ("up" if network else "down")]
    if options.get("connect_time") is not None:
        command += ["--connect-time", _quantity(options["connect_time"], "ms")]
    if options.get("frames") is not None:
        command += ["--frames", str(options["frames"])]
    if options.get("frame_timing") is not None:
        command += ["--frame-timing", options["frame_timing"]]
    if options.get("gc") is not None:
        command += ["--gc", options["gc"]]
    if options.get("strict"):
        command.append("--strict")
    if trace_path:
        command += ["--trace", trace_path]
        if options.get("trace_limit") is not None:
            command += ["--trace-limit", str(options["trace_limit"])]
    return command + [str(script)] + [str(a) for a in args]


_KNOWN_OPTIONS = frozenset(
    (
        "profile",
        "latency",
        "jitter",
        "bandwidth",
        "loss",
        "seed",
        "faults",
        "hosts",
        "offline",
        "expose",
        "network",
        "connect_time",
        "frames",
        "frame_timing",
        "gc",
        "strict",
        "trace",
        "trace_limit",
        "timeout",
        "env",
        "cwd",
    )
)


class _Launcher:
    """Builds each run's command and environment from the test's defaults and the call."""

    def __init__(self, defaults, trace_dir):
        self.defaults = defaults
        self.trace_dir = trace_dir
        self.count = 0

    def prepare(self, script, args, options):
        unknown = set(options) - _KNOWN_OPTIONS
        if unknown:
            raise TypeError("unknown mpsock option(s): %s" % ", ".join(sorted(unknown)))
        merged = dict(self.defaults)
        merged.update(options)
        self.count += 1
        trace_path = None
        if merged.get("trace", True):
            trace_path = os.path.join(str(self.trace_dir), "mpsock-trace-%d.jsonl" % self.count)
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"  # so a running script's lines arrive as it prints them
        env.update(merged.get("env") or {})
        return command_line(script, args, merged, trace_path), env, merged, trace_path


class ScriptProcess:
    """A script running in the background (a server the test talks to)."""

    def __init__(self, command, env, cwd, trace_path, timeout):
        self.command = command
        self.trace_path = trace_path
        self.timeout = timeout
        self._lines = []
        self._stderr = []
        self._changed = threading.Condition()
        self._process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._readers = [
            threading.Thread(target=self._read, args=(self._process.stdout, self._lines), daemon=True),
            threading.Thread(target=self._read, args=(self._process.stderr, self._stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.result = None

    def _read(self, stream, into):
        for line in stream:
            with self._changed:
                into.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def pid(self):
        return self._process.pid

    @property
    def lines(self):
        with self._changed:
            return [line.rstrip("\n") for line in self._lines]

    def wait_for_line(self, pattern, timeout=10.0):
        """The match of the first stdout line that matches `pattern` (a regex); a failure with
        the output so far if none does within `timeout` seconds or the script ends first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self._lines[seen:]:
                    match = regex.search(line)
                    if match:
                        return match
                seen = len(self._lines)
                remaining = deadline - time.monotonic()
                ended = self._process.poll() is not None and not any(r.is_alive() for r in self._readers[:1])
                if remaining <= 0 or ended:
                    break
                self._changed.wait(min(remaining, 0.1))
        why = "ended" if self._process.poll() is not None else "printed nothing matching in %gs" % timeout
        raise AssertionError(
            "script %s before a line matching %r\n--- stdout ---\n%s--- stderr ---\n%s"
            % (why, pattern, "".join(self._lines), "".join(self._stderr))
        )

    def wait(self, timeout=None):
        """Waits for the script to end by itself; its ScriptResult."""
        timeout = self.timeout if timeout is None else timeout
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            result = self._finish()
            raise AssertionError("script did not end within %gs\n%s" % (timeout, result.describe())) from None
        return self._finish()

    def stop(self):
        """Ends the script as Ctrl-C would (then kills it if it lingers); its ScriptResult."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self._kill()
        return self._finish()

    def _kill(self):
        self._process.kill()
        self._process.wait(STOP_GRACE)

    def _finish(self):
        if self.result is None:
            for reader in self._readers:
                reader.join(STOP_GRACE)
            self.result = ScriptResult(
                self.command,
                self._process.returncode,
                "".join(self._lines),
                "".join(self._stderr),
                self.trace_path,
            )
        return self.result


def _marker_defaults(request):
    defaults = {}
    profile = request.config.getoption("mpsock_profile", None)
    if profile:
        defaults["profile"] = profile
    gc_mode = request.config.getoption("mpsock_gc", None)
    if gc_mode:
        defaults["gc"] = gc_mode
    for marker in reversed(list(request.node.iter_markers("mpsock"))):
        defaults.update(marker.kwargs)
    return defaults


@pytest.fixture
def mpsock_port():
    """A free port on 127.0.0.1, for a server script or a native peer."""
    return free_port()


@pytest.fixture
def mpsock_run(request, tmp_path):
    """mpsock_run(script, *args, **options) -> ScriptResult: runs the script to its end."""
    launcher = _Launcher(_marker_defaults(request), tmp_path)

    def run(script, *args, **options):
        command, env, merged, trace_path = launcher.prepare(script, args, options)
        timeout = merged.get("timeout") or DEFAULT_TIMEOUT
        try:
            done = subprocess.run(
                command,
                env=env,
                cwd=merged.get("cwd"),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as expired:
            stdout = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
            stderr = expired.stderr.decode() if isinstance(expired.stderr, bytes) else (expired.stderr or "")
            result = ScriptResult(command, None, stdout, stderr, trace_path)
            raise AssertionError("script did not end within %gs\n%s" % (timeout, result.describe())) from None
        return ScriptResult(command, done.returncode, done.stdout, done.stderr, trace_path)

    return run


@pytest.fixture
def mpsock_start(request, tmp_path):
    """mpsock_start(script, *args, **options) -> ScriptProcess: starts the script in the
    background; whatever still runs at the end of the test is stopped."""
    launcher = _Launcher(_marker_defaults(request), tmp_path)
    started = []

    def start(script, *args, **options):
        command, env, merged, trace_path = launcher.prepare(script, args, options)
        process = ScriptProcess(
            command, env, merged.get("cwd"), trace_path, merged.get("timeout") or DEFAULT_TIMEOUT
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def pytest_addoption(parser):
    group = parser.getgroup("mpsock", "camera scripts under the mpsock emulator")
    group.addoption(
        "--mpsock-profile",
        dest="mpsock_profile",
        metavar="NAME",
        help="board profile for mpsock_run / mpsock_start (see `mpsock profiles`)",
    )
    group.addoption(
        "--mpsock-gc",
        dest="mpsock_gc",
        choices=("camera", "eager"),
        help="camera (default): sockets dropped without close() stay open until gc.collect(); "
        "eager: they close at once, as in CPython",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "mpsock(**options): default options (profile, latency, faults, ...) for mpsock_run and mpsock_start",
    )
