"""`--compare A B`: the same cases on two targets, and the cases where they disagree.

Two targets agree on a case when both match the firmware (each for its own board's limits),
or both depart from it with the same output. A case one target skips is not compared; it is
listed with the reason."""

from .report import diff_lines, expected_release
from .runner import PASS, SKIP


def disagreements(results_a, results_b):
    """(name, result_a, result_b) for every case the two targets disagree on."""
    found = []
    for a, b in zip(results_a, results_b):
        if SKIP in (a.outcome, b.outcome):
            continue
        if a.outcome == PASS and b.outcome == PASS:
            continue
        if a.outcome != b.outcome or a.observed() != b.observed():
            found.append((a.name, a, b))
    return found


def comparison_report(name_a, name_b, results_a, results_b, facts_a=None, facts_b=None):
    lines = ["", "Comparison: A = %s, B = %s" % (name_a, name_b)]
    for label, facts in (("A", facts_a), ("B", facts_b)):
        if facts:
            lines.append("  %s: %s" % (label, expected_release(facts)))
    lines.append("")
    differing = disagreements(results_a, results_b)
    for name, a, b in differing:
        lines.append("--- %s: A %s, B %s" % (name, a.outcome, b.outcome))
        lines += [
            "    " + line for line in diff_lines(a.observed(), b.observed(), "A " + name_a, "B " + name_b)
        ]
        if a.outcome != PASS and b.outcome != PASS and a.observed() == b.observed():
            continue
        for label, result in (("A", a), ("B", b)):
            if result.outcome != PASS:
                lines.append("    %s departs from the firmware: %s" % (label, result.reason))
    not_compared = [(a, b) for a, b in zip(results_a, results_b) if SKIP in (a.outcome, b.outcome)]
    if not_compared:
        lines += ["", "Not compared (skipped on one or both):"]
        for a, b in not_compared:
            reason = a.reason if a.outcome == SKIP else b.reason
            side = "both" if a.outcome == b.outcome == SKIP else ("A" if a.outcome == SKIP else "B")
            lines.append("  %s: skipped on %s (%s)" % (a.name, side, reason))
    compared = len(results_a) - len(not_compared)
    lines += ["", "%d cases compared, %d disagree" % (compared, len(differing))]
    return lines, differing
