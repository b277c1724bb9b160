"""The benchmark's table: the median of each figure over the runs, the emulator/native ratio
and the verdict against the target."""

import math
import statistics

from metrics import METRICS, NOT_YET_MEASURED, describe_target, is_ratio_judged, verdict


def median(values):
    finite = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(finite) if finite else None


def format_number(value):
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return "%.0f" % value
    if abs(value) >= 10:
        return "%.1f" % value
    return "%.2f" % value


def paired_ratio(metric, runs):
    """The median of each run's emulator/native ratio: runs i of the two sides ran one after
    the other, so a change in the machine's load between runs cancels out."""
    ratios = []
    for emulator_run, native_run in zip(runs["emulator"], runs["native"]):
        emulator, native = emulator_run.get(metric.key), native_run.get(metric.key)
        if emulator is not None and native and not math.isnan(emulator) and not math.isnan(native):
            ratios.append(emulator / native)
    return statistics.median(ratios) if ratios else None


def format_ratio(ratio, missing="n/a"):
    return "%.2fx" % ratio if ratio is not None else missing


def rows(runs, metrics=METRICS):
    """runs: {"emulator": [ {key: value} per run ], "native": [...]}"""
    table = []
    for metric in metrics:
        emulator = median([run.get(metric.key) for run in runs["emulator"]])
        native = median([run.get(metric.key) for run in runs["native"]])
        ratio = emulator / native if emulator is not None and native else None
        paired = paired_ratio(metric, runs)
        if not is_ratio_judged(metric):
            ratio = paired = None  # a limit on the emulator's own figure; native is only context
        table.append(
            [
                metric.label,
                metric.unit,
                format_number(emulator),
                format_number(native),
                format_ratio(ratio, "-"),
                format_ratio(paired, "-"),
                describe_target(metric),
                verdict(metric, emulator, native),
            ]
        )
    return table


def render(runs, extra_rows=(), metrics=METRICS, not_yet_measured=NOT_YET_MEASURED):
    header = ["figure", "unit", "emulator", "native", "emu/native", "paired", "target", "verdict"]
    body = rows(runs, metrics) + [list(row[:5]) + ["-"] + list(row[5:]) for row in extra_rows]
    body += [[label, "", "-", "-", "-", "-", "-", marker] for label, marker, _ in not_yet_measured]
    widths = [max(len(str(row[i])) for row in [header] + body) for i in range(len(header))]
    align_right = {2, 3, 4, 5}

    def line(cells):
        out = []
        for i, cell in enumerate(cells):
            cell = str(cell)
            out.append(cell.rjust(widths[i]) if i in align_right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = [line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in body]
    lines += ["%s: %s" % (marker, why) for _, marker, why in not_yet_measured]
    return "\n".join(lines)


def render_runs(runs, metrics=METRICS):
    """Every run's figures, so the spread behind each median can be judged."""
    lines = []
    for metric in metrics:
        for mode in ("emulator", "native"):
            values = [run.get(metric.key) for run in runs[mode]]
            shown = " ".join(format_number(v) for v in values)
            lines.append("  %-22s %-8s %s" % (metric.key, mode, shown))
    return "\n".join(lines)
