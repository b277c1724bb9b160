"""Targets that run each DUT program as a local process with MicroPython's command line:
`exec:CMD` for any such interpreter, and `emulator`, the installed mpsock-micropython."""

import os
import queue
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading

from .base import ProgramEnded, ProgramStopped, Target, TargetError

_END = object()


# Where an uncaught exception's report starts: from there on, the program's output is its error
# output (MicroPython's unix port prints it to stderr, which the target reads with stdout).
TRACEBACK_START = "Traceback (most recent call last):"


class _Output:
    """A pipe read by a thread, so waits on it can have a timeout on every platform. The pipe
    carries standard output and standard error together, in the order they were written:
    MicroPython's unix port writes warnings (mp_warning) to stderr where a board writes them
    to its one console, so they are output to compare; a traceback and what follows it are the
    program's errors."""

    def __init__(self, pipe):
        self.lines = queue.Queue()
        self.errors = []
        self._thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self._thread.start()

    def _pump(self, pipe):
        try:
            for raw in iter(pipe.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if self.errors or line == TRACEBACK_START:
                    self.errors.append(line)
                else:
                    self.lines.put(line)
        except (OSError, ValueError):
            pass
        finally:
            self.lines.put(_END)

    def get(self, timeout):
        try:
            line = self.lines.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        if line is _END:
            self.lines.put(_END)  # every later call sees the end too
            raise ProgramEnded()
        return line

    def rest(self, timeout):
        self._thread.join(timeout)
        if self._thread.is_alive():
            return None
        lines = []
        while True:
            line = self.lines.get()
            if line is _END:
                self.lines.put(_END)
                return lines
            lines.append(line)


class ExecTarget(Target):
    """`exec:CMD`: an interpreter with MicroPython's command line, started as `CMD -c PROGRAM`
    with pipes for standard input and output (standard error into the same pipe), in an empty
    working folder (so '' on sys.path finds nothing of the user's)."""

    kind = "exec"

    def __init__(self, command, env=None):
        self.command = list(command)
        self.env = dict(env or {})
        self.process = None
        self.workdir = None
        self._stdout = None

    @classmethod
    def from_argument(cls, argument):
        command = shlex.split(argument)
        if not command:
            raise TargetError("exec needs a command: exec:CMD (for example exec:micropython)")
        return cls(command)

    def describe(self):
        return "exec:" + " ".join(self.command)

    def start(self):
        if shutil.which(self.command[0]) is None:
            raise TargetError("command not found: %s" % self.command[0])
        self.workdir = tempfile.mkdtemp(prefix="mpsock-conformance-")

    def _environment(self):
        env = dict(os.environ)
        # Local targets never ask DNS about the names the cases use (an emulator honours
        # this; other interpreters ignore it).
        env.setdefault("MPSOCK_OFFLINE", "1")
        env.update(self.env)
        return env

    def run(self, program):
        self._end_process()
        self.process = subprocess.Popen(
            self.command + ["-c", program],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env=self._environment(),
        )
        self._stdout = _Output(self.process.stdout)

    def readline(self, timeout):
        return self._stdout.get(timeout)

    def write(self, text):
        try:
            self.process.stdin.write(text.encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the program has ended; its output says why

    def finish(self, timeout):
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            output = self._stdout.rest(2.0) or []
            errors = "\n".join(self._stdout.errors)
            self._close_pipes()
            raise ProgramStopped("the DUT program did not end within %.0f s" % timeout, output, errors)
        output = self._stdout.rest(5.0) or []
        errors = "\n".join(self._stdout.errors)
        self._close_pipes()
        return output, errors

    def _close_pipes(self):
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def _kill(self):
        if self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass

    def _end_process(self):
        if self.process is not None:
            self._kill()
            self._close_pipes()

    def stop(self):
        self._end_process()
        self.process = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


class EmulatorTarget(ExecTarget):
    """`emulator[:PROFILE]`: the installed mpsock-micropython, out of process as a board would
    be. The profile comes from the spec, else MPSOCK_PROFILE, else the emulator's default."""

    kind = "emulator"
    always_loopback = True

    def __init__(self, profile=None):
        profile = profile or os.environ.get("MPSOCK_PROFILE") or None
        super().__init__(["mpsock-micropython"], {"MPSOCK_PROFILE": profile} if profile else {})
        self.profile = profile

    @classmethod
    def from_argument(cls, argument):
        return cls(argument or None)

    def describe(self):
        return "emulator" + (":" + self.profile if self.profile else "")

    def follow_firmware(self, release):
        self.env["MPSOCK_FIRMWARE"] = release
        return True

    def start(self):
        if self.profile:
            from mpsock import _mpsock

            known = [p["name"] for p in _mpsock.profiles()]
            if self.profile not in known:
                raise TargetError("unknown profile %r (known: %s)" % (self.profile, ", ".join(known)))
        if shutil.which(self.command[0]) is None:
            # mpsock importable but its scripts not on PATH (a virtualenv not activated).
            self.command = [sys.executable, "-m", "mpsock.micropython"]
        super().start()
