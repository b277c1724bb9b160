"""The host's end of the control channel: it reads the DUT's output line by line, keeps the
lines a case prints (its output, to compare) apart from the control lines the DUT sends
(`#ctl NAME VALUE`), and writes control lines to the DUT's standard input."""

import threading
import time

from .targets.base import ProgramEnded

CONTROL_MARK = "#ctl "


class CaseAborted(Exception):
    """The case cannot go on: the DUT ended or stayed silent while the host waited for it."""


class Channel:
    def __init__(self, target):
        self.target = target
        self.output = []  # the DUT's own lines, in order
        self.signals = []  # (name, value) received, in order
        self.ended = False
        self._lock = threading.Lock()

    def _take(self, line):
        if line.startswith(CONTROL_MARK):
            name, _, value = line[len(CONTROL_MARK) :].partition(" ")
            self.signals.append((name, value))
            return name, value
        self.output.append(line)
        return None

    def wait(self, name, timeout):
        """Reads the DUT's output until it sends `name`; returns the value sent with it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if self.ended:
                    raise CaseAborted("the DUT ended before sending %r" % name)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CaseAborted("no %r from the DUT within %.1f s" % (name, timeout))
                try:
                    line = self.target.readline(remaining)
                except ProgramEnded:
                    self.ended = True
                    continue
                if line is None:
                    continue
                signal = self._take(line)
                if signal and signal[0] == "skip":
                    raise CaseAborted("the DUT skipped the case")
                if signal and signal[0] == name:
                    return signal[1]

    def send(self, name, value=""):
        self.target.write("%s%s %s\n" % (CONTROL_MARK, name, value))

    def take_rest(self, lines):
        """Files the lines that the target returned when the program finished."""
        with self._lock:
            for line in lines:
                self._take(line)
            self.ended = True

    def skip_reason(self):
        for name, value in self.signals:
            if name == "skip":
                return value or "skipped by the DUT"
        return None
