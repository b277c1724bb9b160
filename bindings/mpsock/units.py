"""Quantities on the command line: times, bit rates and percentages, with their units."""

import re

_NUMBER = r"\s*([0-9]*\.?[0-9]+)\s*"

_TIME_UNITS = {"": 1.0, "ms": 1.0, "s": 1000.0, "us": 0.001}
_RATE_UNITS = {
    "bit": 1.0, "bps": 1.0, "bit/s": 1.0,
    "kbit": 1e3, "kbps": 1e3, "kbit/s": 1e3,
    "mbit": 1e6, "mbps": 1e6, "mbit/s": 1e6,
    "gbit": 1e9, "gbps": 1e9, "gbit/s": 1e9,
    "b/s": 8.0, "kb/s": 8e3, "mb/s": 8e6, "kib/s": 8 * 1024.0, "mib/s": 8 * 1024.0 * 1024,
}


def _split(text, units, what):
    match = re.fullmatch(_NUMBER + r"([A-Za-z/]*)\s*", text)
    if not match or match.group(2).lower() not in units:
        known = ", ".join(sorted(u for u in units if u))
        raise ValueError("bad %s %r (a number with one of: %s)" % (what, text, known))
    return float(match.group(1)) * units[match.group(2).lower()]


def milliseconds(text):
    """'30ms', '0.5s', '250' (milliseconds), from 0 to a day (the core's longest setting)."""
    from ._mpsock import LONGEST_SETTING_MS

    ms = _split(text, _TIME_UNITS, "time")
    if not ms <= LONGEST_SETTING_MS:  # also what overflowed to inf
        raise ValueError("time %r is longer than a day (%gs)" % (text, LONGEST_SETTING_MS / 1000.0))
    return ms


def bits_per_second(text):
    """'2Mbit', '500kbit', '1Gbit/s', '250KB/s': at least 1 bit/s (a rate of nothing is no link)."""
    rate = _split(text, _RATE_UNITS, "bandwidth")
    if not 1 <= rate < float("inf"):
        raise ValueError("bandwidth %r is under 1bit or not a number (leave it out for no limit)" % text)
    return rate


def fraction(text):
    """'1%' or '0.01'."""
    match = re.fullmatch(_NUMBER + r"(%?)\s*", text)
    if not match:
        raise ValueError("bad loss %r (e.g. 1%% or 0.01)" % text)
    value = float(match.group(1)) / (100.0 if match.group(2) else 1.0)
    if not value <= 1:
        raise ValueError("loss %r is more than 100%%" % text)
    return value
