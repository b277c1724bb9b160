"""The interface every conformance target implements, whatever runs the DUT programs."""


class TargetError(Exception):
    """The target cannot be started or used (command missing, port busy, board silent)."""


class ProgramEnded(Exception):
    """The DUT program has ended and all its output has been read."""


class ProgramStopped(Exception):
    """The DUT program did not end by itself: it ran past its time and the target stopped it,
    or the board reset under it. `output` holds the lines it printed that were not yet read,
    `errors` its error output."""

    def __init__(self, message, output=(), errors=""):
        super().__init__(message)
        self.output = list(output)
        self.errors = errors


class Target:
    """Runs DUT programs one at a time: start() once, then for each case run(program),
    readline()/write() while it runs and finish() to collect the rest; stop() at the end.

    A subclass is registered by name (see targets/__init__.py); `from_argument` builds it from
    the text after the colon of a target spec (`exec:CMD` gives `CMD`)."""

    #: everything runs on this machine, so the host peer listens on 127.0.0.1
    is_local = True
    #: the DUT's network is this machine's loopback whatever --host-ip says (an emulator)
    always_loopback = False

    @classmethod
    def from_argument(cls, argument):
        raise NotImplementedError

    def describe(self):
        """A short name for reports."""
        raise NotImplementedError

    def start(self):
        pass

    def run(self, program):
        """Starts `program` (MicroPython source text)."""
        raise NotImplementedError

    def readline(self, timeout):
        """The next line the program printed, without its line ending; None if none came
        within `timeout` seconds. Raises ProgramEnded once the program has ended and every
        line has been read."""
        raise NotImplementedError

    def write(self, text):
        """Sends `text` to the program's standard input."""
        raise NotImplementedError

    def finish(self, timeout):
        """Waits for the program to end; returns (lines not yet read, error output). Raises
        ProgramStopped, after stopping the program, if it does not end within `timeout` (or
        if the target lost it)."""
        raise NotImplementedError

    def stop(self):
        pass

    def environment_facts(self):
        """Facts the target knows without asking the DUT (e.g. the emulator's profile name)."""
        return {}

    def follow_firmware(self, release):
        """Makes the target behave as MicroPython `release` ("1.24"), where it can (an emulator);
        False where it cannot, and the release is then only what the expected output assumes."""
        return False
