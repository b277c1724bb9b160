"""What a person reads: a progress line per case, then a table of every case (pass / fail /
skip with the reason), the expected-versus-actual diff of each failure, and a closing count."""

import difflib

from .runner import ERROR, FAIL, PASS, SKIP

_LABELS = {PASS: "pass", FAIL: "FAIL", SKIP: "skip", ERROR: "ERROR"}


def progress_line(index, total, case, result):
    width = len(str(total))
    note = ""
    if result.outcome == SKIP:
        note = "  (%s)" % result.reason
    elif result.outcome in (FAIL, ERROR):
        note = "  %s" % result.reason
    return "[%*d/%d] %-44s %-5s %5.2f s%s" % (
        width,
        index + 1,
        total,
        result.name,
        _LABELS[result.outcome],
        result.seconds,
        note,
    )


def diff_lines(expected, actual, expected_name="expected (firmware)", actual_name="actual"):
    return list(difflib.unified_diff(expected, actual, expected_name, actual_name, lineterm=""))


def failure_details(result):
    lines = ["--- %s: %s" % (result.name, result.reason)]
    lines += ["    " + line for line in diff_lines(result.expected, result.observed())]
    if result.errors:
        lines.append("    DUT error output:")
        lines += ["      " + line for line in result.errors.rstrip().split("\n")]
    return lines


def counts(results):
    return {outcome: sum(1 for r in results if r.outcome == outcome) for outcome in (PASS, FAIL, SKIP, ERROR)}


def closing_line(results):
    """The count, alone on the last line as CI systems read it."""
    n = counts(results)
    return "conformance: %d passed, %d failed, %d skipped" % (n[PASS], n[FAIL] + n[ERROR], n[SKIP])


def expected_release(facts):
    """Which MicroPython release the expected output assumes, and why."""
    return "expected output of MicroPython v%s, from %s" % (
        facts.get("micropython"),
        facts.get("micropython_from"),
    )


def final_report(target_name, facts, results, seconds):
    """The table and the failure details, as lines (the closing count comes after)."""
    lines = ["", "Conformance on %s (%s)" % (target_name, describe_facts(facts)), expected_release(facts), ""]
    width = max([len(r.name) for r in results] + [4])
    lines.append("%-*s  %-6s %7s  %s" % (width, "case", "result", "time", "note"))
    for result in results:
        note = result.reason if result.outcome != PASS else ""
        lines.append(
            (
                "%-*s  %-6s %6.2fs  %s" % (width, result.name, _LABELS[result.outcome], result.seconds, note)
            ).rstrip()
        )
    failures = [r for r in results if r.outcome in (FAIL, ERROR)]
    if failures:
        lines += ["", "Failures (expected is the firmware's output):"]
        for result in failures:
            lines += failure_details(result)
    lines += ["", "%d cases in %.1f s" % (len(results), seconds)]
    return lines


def describe_facts(facts):
    if not facts:
        return "not probed"
    parts = ["%s" % facts.get("implementation")]
    parts.append("board %s" % (facts.get("board") or "unknown"))
    for name in ("tcp_mss", "tcp_snd_buf", "tcp_pcbs"):
        if facts.get(name) is not None:
            parts.append("%s %s" % (name, facts[name]))
    parts.append("IPv6 %s" % ("yes" if facts.get("ipv6") else "no"))
    parts.append("select.select %s" % ("yes" if facts.get("select_select") else "no"))
    parts.append("threads %s" % ("yes" if facts.get("threads") else "no"))
    return ", ".join(parts)
