"""The benchmark's table: the median of each figure over the runs, the emulator/native ratio
of the medians, the paired ratio (the median of each run's own ratio) with its spread (the
lowest and highest of those ratios), and the verdict of the paired ratio against the target."""

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


def run_ratios(metric, runs, side="emulator", against="native"):
    """Each run's side/against ratio: runs i of the sides ran one after the other, so a change
    in the machine's load between runs cancels out."""
    ratios = []
    for side_run, against_run in zip(runs[side], runs[against]):
        value, reference = side_run.get(metric.key), against_run.get(metric.key)
        if value is not None and reference and not math.isnan(value) and not math.isnan(reference):
            ratios.append(value / reference)
    return ratios


def paired_ratio(metric, runs, side="emulator", against="native"):
    """The median of each run's own ratio."""
    ratios = run_ratios(metric, runs, side, against)
    return statistics.median(ratios) if ratios else None


def format_spread(ratios):
    """The lowest and highest of the runs' ratios, "1.01-1.08"."""
    if not ratios:
        return "-"
    return "%.2f-%.2f" % (min(ratios), max(ratios))


def format_ratio(ratio, missing="n/a"):
    return "%.2fx" % ratio if ratio is not None else missing


def rows(runs, metrics=METRICS):
    """runs: {"emulator": [ {key: value} per run ], "native": [...]}"""
    table = []
    for metric in metrics:
        emulator = median([run.get(metric.key) for run in runs["emulator"]])
        native = median([run.get(metric.key) for run in runs["native"]])
        ratio = emulator / native if emulator is not None and native else None
        ratios = run_ratios(metric, runs)
        paired = statistics.median(ratios) if ratios else None
        if not is_ratio_judged(metric):
            ratio = paired = None  # a limit on the emulator's own figure; native is only context
            ratios = []
        table.append(
            [
                metric.label,
                metric.unit,
                format_number(emulator),
                format_number(native),
                format_ratio(ratio, "-"),
                format_ratio(paired, "-"),
                format_spread(ratios),
                describe_target(metric),
                verdict(metric, emulator, native, paired),
            ]
        )
    return table


def render(runs, extra_rows=(), metrics=METRICS, not_yet_measured=NOT_YET_MEASURED):
    header = ["figure", "unit", "emulator", "native", "emu/native", "paired", "spread", "target", "verdict"]
    body = rows(runs, metrics) + [list(row[:5]) + ["-", "-"] + list(row[5:]) for row in extra_rows]
    body += [[label, "", "-", "-", "-", "-", "-", "-", marker] for label, marker, _ in not_yet_measured]
    return render_table(header, body, {2, 3, 4, 5, 6}) + "".join(
        "\n%s: %s" % (marker, why) for _, marker, why in not_yet_measured
    )


def render_table(header, body, align_right):
    widths = [max(len(str(row[i])) for row in [header] + body) for i in range(len(header))]

    def line(cells):
        out = []
        for i, cell in enumerate(cells):
            cell = str(cell)
            out.append(cell.rjust(widths[i]) if i in align_right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = [line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in body]
    return "\n".join(lines)


def render_camera(runs, metrics, profile):
    """The camera profile's own cost: each figure under `profile` (no shaping) beside the
    desktop profile's and native's, as paired ratios with their spread."""
    header = ["figure", "unit", "desktop", profile, "camera/desktop", "spread", "camera/native", "spread"]
    body = []
    for metric in metrics:
        desktop = median([run.get(metric.key) for run in runs["emulator"]])
        camera = median([run.get(metric.key) for run in runs["camera"]])
        if camera is None:
            continue
        to_desktop = run_ratios(metric, runs, "camera", "emulator")
        to_native = run_ratios(metric, runs, "camera", "native")
        body.append(
            [
                metric.label,
                metric.unit,
                format_number(desktop),
                format_number(camera),
                format_ratio(statistics.median(to_desktop) if to_desktop else None),
                format_spread(to_desktop),
                format_ratio(statistics.median(to_native) if to_native else None),
                format_spread(to_native),
            ]
        )
    return render_table(header, body, {2, 3, 4, 5, 6, 7})


def render_runs(runs, metrics=METRICS):
    """Every run's figures, so the spread behind each median can be judged."""
    lines = []
    for metric in metrics:
        for mode in ("emulator", "native", "camera"):
            values = [run.get(metric.key) for run in runs.get(mode, ())]
            if all(value is None for value in values):
                continue
            shown = " ".join(format_number(v) for v in values)
            lines.append("  %-22s %-8s %s" % (metric.key, mode, shown))
    return "\n".join(lines)
