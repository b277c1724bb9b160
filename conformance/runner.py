"""Runs cases on a target: one Session per target (started, probed, then case after case),
each case's DUT part on the target and its host part in a thread on this machine."""

import ast
import os
import threading
import time
import traceback
from dataclasses import dataclass, field

from . import facts as facts_module
from .case import line_matches, output_matches
from .channel import CaseAborted, Channel
from .peer import Peer
from .program import dut_program, dut_text
from .targets import ProgramStopped, TargetError

LOCAL_HOST_IP = "127.0.0.1"
CASES_FOLDER = os.sep + "cases" + os.sep
PROBE_TIMEOUT = 20.0
GRACE_AFTER_HOST_FAILURE = 2.0  # how long the DUT may go on once its peer has given up

PASS, FAIL, SKIP, ERROR = "pass", "fail", "skip", "error"


@dataclass
class Result:
    """One case on one target. `output` is what the DUT printed (control lines left out);
    `problems` are the harness's observations (timeouts, host part failures)."""

    name: str
    outcome: str
    seconds: float = 0.0
    reason: str = ""
    expected: list = field(default_factory=list)
    output: list = field(default_factory=list)
    errors: str = ""
    problems: list = field(default_factory=list)

    def observed(self):
        """The output with what went wrong after it, as compared between two targets."""
        notes = ["!! " + problem for problem in self.problems]
        if self.errors:
            notes.append("!! DUT error: " + self.errors.strip().split("\n")[-1])
        return self.output + notes


@dataclass
class _Run:
    output: list
    signals: list
    errors: str
    problems: list


class Session:
    """A started target and what it can do.

    `host_ip` is this machine's address as a board reaches it; a target that is always on this
    machine's loopback (the emulator, the virtual camera) keeps 127.0.0.1 whatever it says, so
    one `--host-ip` serves both sides of a comparison. `board` (--board) names the board of a
    target that does not say which it is; `firmware` (--firmware) the MicroPython release of
    one that does not say its release."""

    def __init__(self, target, host_ip=None, fact_overrides=None, board=None, firmware=None):
        if target.always_loopback:
            host_ip = None
        elif host_ip is None and not target.is_local:
            raise TargetError(
                "%s is not on this machine: pass --host-ip, an address of this machine that the "
                "board can reach" % target.describe()
            )
        self.target = target
        self.host_ip = host_ip or LOCAL_HOST_IP
        self.fact_overrides = dict(fact_overrides or {})
        self.board = board
        self.firmware = firmware
        self.facts = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        self.target.start()
        try:
            self.facts = self._probe()
        except BaseException:
            self.target.stop()
            raise

    def close(self):
        self.target.stop()

    def _probe(self):
        seen = {}

        def host(peer):
            _, address = peer.udp.recvfrom(64)
            seen["ip"] = address[0]
            peer.send("seen")

        known = {"dut_ip": None}
        run = self._execute(dut_text("dut_probe.py"), "probe", host, known, PROBE_TIMEOUT)
        if run.problems or run.errors:
            details = "; ".join(run.problems + ([run.errors.strip()] if run.errors else []))
            raise TargetError("the capability probe failed on %s: %s" % (self.target.describe(), details))
        reported = {}
        for name, value in run.signals:
            if name == "fact":
                key, _, text = value.partition(" ")
                reported[key] = ast.literal_eval(text)
        facts = facts_module.from_probe(reported, seen.get("ip"))
        facts.update(self.target.environment_facts())
        try:
            return facts_module.complete(facts, self.fact_overrides, self.board, self.firmware)
        except ValueError as error:
            raise TargetError(str(error)) from error

    def _execute(self, dut_source, dut_name, host, facts, timeout):
        deadline = time.monotonic() + timeout
        on_this_machine = self.target.is_local or facts.get("dut_on_loopback")
        peer = Peer(self.host_ip, facts.get("dut_ip") or self.host_ip, facts, on_this_machine)
        problems = []
        errors = ""
        try:
            self.target.run(dut_program(dut_source, dut_name, peer, facts))
            channel = Channel(self.target)
            peer.channel = channel
            if host is not None and not self._run_host(host, peer, deadline, problems):
                peer.close()  # a DUT blocked on its peer gets a reset and ends
                deadline = min(deadline, time.monotonic() + GRACE_AFTER_HOST_FAILURE)
            try:
                rest, errors = self.target.finish(max(deadline - time.monotonic(), 0.1))
                channel.take_rest(rest)
            except ProgramStopped as stopped:
                channel.take_rest(stopped.output)
                errors = stopped.errors
                problems.append(str(stopped))
        finally:
            peer.close()
        return _Run(channel.output, channel.signals, errors, problems)

    @staticmethod
    def _run_host(host, peer, deadline, problems):
        """Runs the host part in a thread, so a stuck one cannot outlast the case."""
        failure = []

        def body():
            try:
                host(peer)
            except CaseAborted as error:
                failure.append(str(error))
            except Exception as error:  # noqa: BLE001 - the case fails with the host part's own words
                failure.append("host part: %s: %s%s" % (type(error).__name__, error, _case_line(error)))

        thread = threading.Thread(target=body, name="conformance-host", daemon=True)
        thread.start()
        thread.join(max(deadline - time.monotonic(), 0))
        if thread.is_alive():
            problems.append("the host part did not end in time")
            return False
        problems.extend(failure)
        return not failure

    def run_case(self, case):
        started = time.monotonic()
        reason = facts_module.unmet(case.needs, self.facts)
        if reason:
            return Result(case.name, SKIP, 0.0, reason)
        expected = case.expected_lines(self.facts)
        run = self._execute(case.dut_source, "dut", case.host, self.facts, case.timeout)
        seconds = time.monotonic() - started
        skip_reason = next((value for name, value in run.signals if name == "skip"), None)
        if skip_reason is not None and not run.errors:
            return Result(case.name, SKIP, seconds, skip_reason or "skipped by the DUT")
        output = [line.rstrip() for line in run.output]
        result = Result(case.name, PASS, seconds, "", expected, output, run.errors, run.problems)
        if not output_matches(expected, output) or run.errors or run.problems:
            result.outcome = FAIL
            result.reason = _first_difference(expected, result.observed())
        return result


def _case_line(error):
    """Where in the case file the host part failed (its innermost frame there)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if CASES_FOLDER in frame.filename]
    return " (line %d)" % frames[-1].lineno if frames else ""


def _first_difference(expected, actual):
    for index, (want, got) in enumerate(zip(expected, actual)):
        if not line_matches(want, got):
            return "line %d: expected %r, got %r" % (index + 1, want, got)
    if len(actual) > len(expected):
        return "unexpected line %d: %r" % (len(expected) + 1, actual[len(expected)])
    if len(actual) < len(expected):
        return "missing line %d: %r" % (len(actual) + 1, expected[len(actual)])
    return "same output"


def run_cases(session, cases, on_result=None):
    results = []
    for index, case in enumerate(cases):
        try:
            result = session.run_case(case)
        except TargetError as error:
            result = Result(case.name, ERROR, 0.0, str(error))
        results.append(result)
        if on_result:
            on_result(index, len(cases), case, result)
    return results
