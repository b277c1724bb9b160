"""The figures of the end-to-end benchmark and the project's targets for them (desktop profile,
emulator against native CPython sockets in the same run)."""

from collections import namedtuple

# key: the workload's RESULT name. better: "lower" or "higher". target: how the figure is judged:
#   ("ratio_max", x)  emulator/native at most x
#   ("ratio_min", x)  emulator/native at least x
#   ("value_max", x)  the emulator's own figure at most x (native shown for reference)
#   None              reported, not judged
Metric = namedtuple("Metric", "key label unit better target")

METRICS = (
    Metric("tcp_rtt_us", "TCP round trip, 32 B", "us", "lower", ("ratio_max", 1.05)),
    Metric("bulk_send_mb_s", "TCP bulk send", "MB/s", "higher", ("ratio_min", 0.95)),
    Metric("bulk_recv_mb_s", "TCP bulk receive", "MB/s", "higher", ("ratio_min", 0.95)),
    Metric("connect_per_s", "TCP connect + close", "/s", "higher", ("ratio_min", 0.90)),
    Metric("udp_rtt_us", "UDP round trip, 32 B", "us", "lower", ("ratio_max", 1.05)),
    Metric("poll_1000_idle_us", "poll, 1000 idle + 1 active", "us/event", "lower", ("ratio_max", 1.5)),
    Metric("blocked_recv_cpu_ms", "CPU of a 2 s blocked recv", "ms", "lower", ("value_max", 10.0)),
    # The same rule ("a blocked call costs no CPU") for a wait with no socket open.
    Metric("sleep_cpu_ms", "CPU of a 2 s time.sleep, no socket", "ms", "lower", ("value_max", 10.0)),
    Metric("heap_per_conn_bytes", "C heap per idle TCP conn", "B", "lower", ("value_max", 2048.0)),
    Metric("rss_per_conn_kib", "RSS growth per TCP conn", "KiB", "lower", None),
    Metric("rss_1000_conn_mib", "RSS with 1001 TCP conns", "MiB", "lower", None),
)

# bench/asyncio_run.py: MicroPython's asyncio on the emulator against CPython's on native sockets.
ASYNCIO_METRICS = (
    Metric("asyncio_rtt_us", "asyncio stream round trip, 32 B", "us", "lower", ("ratio_max", 1.3)),
    Metric("asyncio_bulk_send_mb_s", "asyncio stream bulk send", "MB/s", "higher", ("ratio_min", 0.8)),
    Metric("asyncio_bulk_recv_mb_s", "asyncio stream bulk receive", "MB/s", "higher", ("ratio_min", 0.8)),
)

# The figures measured again under a camera profile (no shaping), beside the desktop profile's:
# what the camera's rules (a segment per recv, a send buffer counted to the ACK, the UDP queue)
# cost on the same workload.
CAMERA_METRICS = tuple(
    m for m in METRICS if m.key in ("tcp_rtt_us", "udp_rtt_us", "bulk_send_mb_s", "bulk_recv_mb_s")
)
# The workload parts that make them.
CAMERA_PARTS = "tcp_round_trip,udp_round_trip,bulk_send,bulk_receive"

# Figures with no number yet, shown as such rather than with a made-up one: (label, marker, why).
NOT_YET_MEASURED = ()


def verdict(metric, emulator, native, paired=None):
    """'ok', 'MISS' or '' (not judged / no data). A ratio is judged by the paired ratio when
    there is one (the median of the runs' own ratios), else by the ratio of the medians."""
    if metric.target is None or emulator is None:
        return ""
    kind, limit = metric.target
    if kind == "value_max":
        return "ok" if emulator <= limit else "MISS"
    if not native:
        return ""
    ratio = paired if paired is not None else emulator / native
    if kind == "ratio_max":
        return "ok" if ratio <= limit else "MISS"
    return "ok" if ratio >= limit else "MISS"


def is_ratio_judged(metric):
    return metric.target is None or metric.target[0] in ("ratio_max", "ratio_min")


def describe_target(metric):
    if metric.target is None:
        return "-"
    kind, limit = metric.target
    if kind == "ratio_max":
        return "<= %.2fx" % limit
    if kind == "ratio_min":
        return ">= %.2fx" % limit
    return "<= %g %s" % (limit, metric.unit)
