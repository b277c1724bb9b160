"""The conformance harness itself (mpsock.conformance), on the emulator target: case files,
capability needs, outcomes (pass, fail with a diff, skip, a DUT that raises or hangs, a
host part that fails), reports and the `mpsock conformance` command."""

import io
import sys
import textwrap
import time
import xml.etree.ElementTree as ET

import pytest
from mpsock import cli
from mpsock.conformance import case as case_module
from mpsock.conformance import facts as facts_module
from mpsock.conformance.junit import write_junit
from mpsock.conformance.runner import FAIL, PASS, SKIP, Session
from mpsock.conformance.targets import ExecTarget, TargetError, make_target
from mpsock.conformance.targets.process import EmulatorTarget


def synthetic_case(dut_body, expected, host=None, needs=(), timeout=10.0, name="synthetic"):
    source = "def dut(ctl):\n" + textwrap.indent(textwrap.dedent(dut_body), "    ")
    return case_module.Case(name, "a synthetic case", source, host, expected, tuple(needs), timeout)


@pytest.fixture(scope="module")
def session():
    with Session(make_target("emulator")) as started:
        yield started


def test_every_case_file_loads_and_keeps_to_the_dut_subset():
    cases = case_module.all_cases()
    assert len(cases) >= 60
    assert len({case.name for case in cases}) == len(cases)
    for case in cases:
        assert "(reference" in case.summary, case.name  # says where in docs/firmware-behaviour.md


def test_dut_part_checks_reject_what_micropython_lacks():
    with pytest.raises(case_module.CaseFileError, match="imports 'os'"):
        case_module._check_dut_source("x", "def dut(ctl):\n    import os\n", ())
    with pytest.raises(case_module.CaseFileError, match="f-strings"):
        case_module._check_dut_source("x", "def dut(ctl):\n    print(f'{ctl=}')\n", ())
    case_module._check_dut_source("x", "def dut(ctl):\n    import _thread\n", ("threads",))
    case_module._check_dut_source("x", "def dut(ctl):\n    import gc\n", ())  # every port has gc
    case_module._check_dut_source("x", "def dut(ctl):\n    import asyncio\n", ("asyncio",))
    with pytest.raises(case_module.CaseFileError, match="imports 'asyncio'"):
        case_module._check_dut_source("x", "def dut(ctl):\n    import asyncio\n", ())


def test_needs_give_reasons():
    facts = {"ipv6": False, "tcp_pcbs": None, "tcp_snd_buf": 6400, "select_select": True}
    assert facts_module.unmet(("select_select", "not ipv6", "tcp_snd_buf <= 65536"), facts) is None
    assert "IPv6" in facts_module.unmet(("ipv6",), facts)
    assert "unknown" in facts_module.unmet(("tcp_pcbs <= 64",), facts)
    assert "6400" in facts_module.unmet(("tcp_snd_buf >= 10000",), facts)
    assert facts_module.parse_override("tcp_mss=1460") == ("tcp_mss", 1460)


def test_probe_finds_the_profile_limits_from_the_board_table(session):
    facts = session.facts
    assert facts["board"] == "openmv-rt1062"
    assert (facts["tcp_mss"], facts["tcp_snd_buf"], facts["tcp_pcbs"]) == (800, 6400, 5)
    assert (facts["udp_sockets"], facts["tcp_listen_pcbs"], facts["mem_size"]) == (3, 8, 8000)
    assert facts["dut_ip"] == "127.0.0.1" and facts["ipv6"] is False


def test_probe_takes_the_limits_of_a_profile_that_is_no_board():
    with Session(make_target("emulator:stm32-generic")) as generic:
        assert generic.facts["board"] is None
        facts = generic.facts
        assert (facts["tcp_pcbs"], facts["udp_sockets"], facts["mem_size"]) == (5, 3, 8000)
    with Session(make_target("emulator:desktop")) as desktop:  # no socket limits, a large heap
        limits = (desktop.facts["tcp_pcbs"], desktop.facts["udp_sockets"], desktop.facts["tcp_listen_pcbs"])
        assert limits == (None, None, None)
        assert desktop.facts["mem_size"] == 1 << 20


def test_pass_with_facts_and_patterns(session):
    case = synthetic_case(
        'print("mss", ctl.facts["tcp_mss"])\nprint("free text 42")\n', "mss ${tcp_mss}\n~ free*42"
    )
    result = session.run_case(case)
    assert result.outcome == PASS, result


def test_failure_names_the_first_difference(session):
    result = session.run_case(synthetic_case('print("one")\nprint("three")\n', "one\ntwo\n"))
    assert result.outcome == FAIL
    assert result.reason == "line 2: expected 'two', got 'three'"


def test_dut_exception_fails_with_its_error(session):
    result = session.run_case(synthetic_case('print("before")\nraise OSError(5)\n', "before\n"))
    assert result.outcome == FAIL
    assert "OSError" in result.errors and result.observed()[-1].startswith("!! DUT error")


def test_hanging_dut_is_stopped_in_time(session):
    started = time.monotonic()
    result = session.run_case(synthetic_case('import time\nprint("x")\ntime.sleep(60)\n', "x\n", timeout=1.5))
    assert time.monotonic() - started < 10
    assert result.outcome == FAIL and "did not end" in result.reason


def test_silent_dut_fails_the_host_wait_fast(session):
    def host(peer):
        peer.wait("never", timeout=0.5)

    started = time.monotonic()
    result = session.run_case(synthetic_case("ctl.wait('nothing')\n", "", host=host))
    assert time.monotonic() - started < 8
    assert result.outcome == FAIL and "no 'never' from the DUT" in result.reason


def test_host_part_failure_fails_the_case(session):
    def host(peer):
        raise AssertionError("peer saw nonsense")

    result = session.run_case(synthetic_case('print("ok")\n', "ok\n", host=host))
    assert result.outcome == FAIL and "peer saw nonsense" in result.reason


def test_control_channel_both_ways(session):
    def host(peer):
        value = peer.wait("ask")
        peer.send("answer", int(value) * 2)

    result = session.run_case(
        synthetic_case('ctl.send("ask", 21)\nprint(ctl.wait("answer"))\n', "42\n", host=host)
    )
    assert result.outcome == PASS, result


def test_skips_by_need_and_by_the_dut(session):
    assert session.run_case(synthetic_case("print(1)\n", "1\n", needs=("ipv6",))).outcome == SKIP
    result = session.run_case(synthetic_case('ctl.skip("no camera here")\n', "x\n"))
    assert (result.outcome, result.reason) == (SKIP, "no camera here")


def test_junit_report(tmp_path, session):
    results = [session.run_case(synthetic_case('print("a")\n', "b\n"))]
    path = tmp_path / "report.xml"
    write_junit(str(path), "emulator", session.facts, results, 1.0)
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite.get("tests") == "1" and suite.get("failures") == "1"
    assert "-b" in suite.find("testcase/failure").text


def test_target_specs():
    assert isinstance(make_target("exec:mpsock-micropython -X heapsize=1M"), ExecTarget)
    assert make_target("emulator:openmv-n6").profile == "openmv-n6"
    for spec, message in (
        ("nope", "unknown target"),
        ("exec:", "needs a command"),
        ("serial", "needs a port"),
    ):
        with pytest.raises(TargetError, match=message):
            make_target(spec)
    with pytest.raises(TargetError, match="unknown profile"):
        EmulatorTarget("no-such-board").start()
    with pytest.raises(TargetError, match="--host-ip"):
        Session(make_target("serial:/dev/ttyACM0"))


class ListedTarget(ExecTarget):
    """A target another package would add: the emulator's command under another name."""

    @classmethod
    def from_argument(cls, argument):
        return cls(["mpsock-micropython"])


def test_a_package_adds_a_target_through_the_entry_point_group(monkeypatch):
    from importlib import metadata

    from mpsock.conformance import targets

    entry = metadata.EntryPoint(
        name="listed", value="%s:ListedTarget" % __name__, group=targets.ENTRY_POINT_GROUP
    )
    monkeypatch.setattr(targets, "_entry_points", lambda: [entry])
    assert "listed" in targets.target_kinds()
    target = make_target("listed")
    assert type(target).__name__ == "ListedTarget"
    with Session(target) as started:
        assert started.facts["board"] == "openmv-rt1062"


def test_command_runs_cases_and_writes_junit(run_mpsock, tmp_path):
    report = tmp_path / "junit.xml"
    result = run_mpsock("conformance", "-k", "surface_constants,udp_sendto*", "--junit", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 0 failed, 0 skipped" in result.stdout
    assert ET.parse(report).getroot().find("testsuite").get("tests") == "2"
    listed = run_mpsock("conformance", "--list")
    assert "tcp_recv_one_segment" in listed.stdout and "emulator" in listed.stdout


@pytest.mark.parametrize("where", ["no/such/folder/report.xml", ".", "file/report.xml"])
def test_an_unwritable_junit_path_is_refused_before_any_case_runs(run_mpsock, tmp_path, where):
    (tmp_path / "file").write_text("a file, not a folder")
    path = str(tmp_path / where)
    result = run_mpsock("conformance", "-k", "surface_constants", "--junit", path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cases on" not in result.stdout  # no case started
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("conformance: --junit ") and path in result.stderr


def test_a_junit_report_that_cannot_be_written_after_all_keeps_the_results(run_mpsock, tmp_path, monkeypatch):
    # The folder goes away while the cases run: the results are printed, the failure said.
    from mpsock.conformance import command

    folder = tmp_path / "reports"
    folder.mkdir()
    args = cli.build_parser().parse_args(
        ["conformance", "-k", "surface_constants", "--junit", str(folder / "r.xml")]
    )
    real_run_cases = command.run_cases

    def run_then_remove(*a, **kw):
        results = real_run_cases(*a, **kw)
        folder.rmdir()
        return results

    monkeypatch.setattr(command, "run_cases", run_then_remove)
    out = io.StringIO()
    assert command.run_command(args, out) == command.EXIT_UNUSABLE
    assert "1 passed, 0 failed, 0 skipped" in out.getvalue()


# CPython stands in for "another interpreter with MicroPython's command line" (`-c PROGRAM`): its
# native sockets pass the cases a plain client passes, and it has no time.ticks_ms, so a timing
# case fails there with the firmware's expected output beside what it printed.
FOREIGN = "exec:" + sys.executable
AGREED, DISAGREED = "tcp_client_round_trip", "timeout_recv_etimedout"


def test_exec_target_runs_the_cases_on_another_interpreter(run_mpsock):
    result = run_mpsock("conformance", "--target", FOREIGN, "-k", AGREED + "," + DISAGREED)
    assert result.returncode != 0
    assert "1 passed, 1 failed, 0 skipped" in result.stdout
    assert "--- %s: line 1: expected 'recv 110 waited about the timeout True'" % DISAGREED in result.stdout


def test_compare_shows_only_the_cases_where_two_targets_disagree(run_mpsock):
    result = run_mpsock("conformance", "--compare", "emulator", FOREIGN, "-k", AGREED + "," + DISAGREED)
    assert result.returncode != 0  # a disagreement fails a CI job that compares
    comparison = result.stdout.split("Comparison:", 1)[1]
    assert "--- %s: A pass, B fail" % DISAGREED in comparison
    assert AGREED not in comparison
    assert "2 cases compared, 1 disagree" in comparison


# ---- Releases, boards, host addresses, warnings on stderr ----


def test_release_needs_compare_micropython_releases():
    facts = {"micropython": "1.24.0"}
    assert facts_module.unmet(("micropython >= 1.24", "micropython < 1.25"), facts) is None
    assert "needs micropython >= 1.28; the target's is 1.24.0" == facts_module.unmet(
        ("micropython >= 1.28",), facts
    )
    assert "unknown" in facts_module.unmet(("not dns",), {"dns": None})  # unknown is not "without"
    assert facts_module.unmet(("not dns",), {"dns": False}) is None


def test_board_sets_every_board_fact_and_limits_follow_the_release():
    probed = facts_module.from_probe({"implementation": "micropython"}, "10.77.0.2")
    assert probed["tcp_snd_buf"] is None and probed["micropython"] is None
    facts = facts_module.complete(probed, {}, board="openmv-rt1062")
    assert facts["micropython"] == "1.28.0" and facts["micropython_from"] == "the current OpenMV firmware"
    assert (facts["board"], facts["tcp_mss"], facts["tcp_snd_buf"], facts["tcp_pcbs"]) == (
        "openmv-rt1062",
        800,
        6400,
        5,
    )
    assert (facts["udp_sockets"], facts["tcp_listen_pcbs"], facts["mem_size"], facts["udp_queue"]) == (
        3,
        8,
        8000,
        4,
    )
    older = facts_module.complete(probed, {}, board="openmv-ae3", firmware="1.25.0")
    assert (older["tcp_mss"], older["udp_queue"], older["micropython_from"]) == (1460, 1, "--firmware")
    # --fact board=NAME names the board too, and a --fact wins over the board's number.
    named = facts_module.complete(probed, {"board": "openmv-n6", "tcp_pcbs": 4})
    assert (named["tcp_snd_buf"], named["tcp_pcbs"]) == (23360, 4)
    # A target that names its own board keeps it: --board is for those that do not.
    emulator = facts_module.complete(dict(probed, board="openmv-ae3"), {}, board="openmv-rt1062")
    assert emulator["board"] == "openmv-ae3"
    with pytest.raises(ValueError, match="unknown board"):
        facts_module.complete(probed, {}, board="no-such-board")


def test_the_emulator_stays_on_loopback_whatever_host_ip_says():
    assert Session(make_target("emulator"), "10.77.0.1").host_ip == "127.0.0.1"
    assert Session(make_target("virtual"), "10.77.0.1").host_ip == "127.0.0.1"
    assert Session(ExecTarget([sys.executable]), "10.77.0.1").host_ip == "10.77.0.1"
    assert Session(ExecTarget([sys.executable])).host_ip == "127.0.0.1"
    with pytest.raises(TargetError, match="--host-ip"):
        Session(make_target("serial:/dev/null"))


def test_exec_target_reads_warnings_on_stderr_as_output():
    """MicroPython's unix port writes warnings to stderr where a board prints them on its one
    console: they are compared in place; a traceback is the program's error output."""
    with Session(ExecTarget([sys.executable])) as foreign:
        warned = synthetic_case(
            'import sys\nprint("a", flush=True)\nsys.stderr.write("Warning: lwip.setsockopt() not implemented\\n")\n'
            'sys.stderr.flush()\nprint("b", flush=True)\n',
            "a\nWarning: lwip.setsockopt() not implemented\nb\n",
        )
        result = foreign.run_case(warned)
        assert result.outcome == PASS, result
        crashed = foreign.run_case(synthetic_case('print("a", flush=True)\nraise OSError(5)\n', "a\n"))
        assert crashed.outcome == FAIL and crashed.output == ["a"]
        assert (
            crashed.errors.startswith("Traceback (most recent call last):") and "OSError: 5" in crashed.errors
        )


def test_reports_say_which_release_the_expected_output_assumes(run_mpsock):
    result = run_mpsock("conformance", "-k", "surface_constants,tcp_reset_discards", "--firmware", "1.27")
    assert "expected output of MicroPython v1.27.0, from the target" in result.stdout
    assert "needs micropython >= 1.26" not in result.stdout  # 1.27 has the names
    assert "2 passed, 0 failed, 0 skipped" in result.stdout, result.stdout
