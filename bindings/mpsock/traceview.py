"""`mpsock trace FILE`: a trace (JSON lines from `mpsock run --trace`) as a readable timeline,
one section per socket, then the link's own events and the totals.

A record is a call ({"t", "sock", "call", arguments..., "result" | "errno" | "error"}), a
socket event ({"t", "sock", "event", "bytes"?}), a link event ({"t", "event"}, no socket) or a
board event ({"t", "event": "led", "led", "on", "intensity"}: an LED changed).
"""

import json
import math

from .moderrno import NUMBERS as ERRNO_NUMBERS

ERRNO_NAMES = {number: name for name, number in ERRNO_NUMBERS.items()}

# Bytes that crossed the link, by the event that says so.
OUT_EVENTS = ("data-out", "datagram-out")
IN_EVENTS = ("data-in", "datagram-in")
# Events whose number is an errno, not a byte count (the core records it under "bytes"; "errno"
# is read too).
ERRNO_EVENTS = ("reset", "error")
# Events of the board rather than the network (shown in their own section).
BOARD_EVENTS = ("led",)

# Calls whose "len" is the data handed over (shown as <N bytes>), not a buffer size.
DATA_CALLS = ("send", "sendall", "sendto", "write")
# Keys that are not a call's arguments.
_NOT_ARGUMENTS = ("t", "sock", "call", "event", "result", "errno", "error", "new")

# setsockopt option numbers, by the names the socket module gives them.
OPTION_NAMES = {
    4: "SO_REUSEADDR",
    0x20: "SO_BROADCAST",
    0x40: "TCP_NODELAY",
    0x400: "IP_ADD_MEMBERSHIP",
    0x401: "IP_DROP_MEMBERSHIP",
    0x1005: "SO_SNDTIMEO",
    0x1006: "SO_RCVTIMEO",
    20: "callback",
}


class TraceError(ValueError):
    """A trace file that cannot be read: which line, and why."""


def _integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)


def _text(value):
    return isinstance(value, str)


def _or_null(check):
    return lambda value: value is None or check(value)


# The fields the timeline reads, and what each must be; other fields (a call's arguments, its
# result) are shown as they are.
FIELD_TYPES = {
    "t": (_number, "a number of seconds"),
    "sock": (_or_null(_integer), "a socket number"),
    "call": (_text, "a call's name"),
    "event": (_text, "an event's name"),
    "errno": (_integer, "an errno number"),
    "error": (_text, "an exception's name"),
    "new": (_integer, "a socket number"),
    "len": (_integer, "a byte count"),
    "bytes": (_integer, "a byte count"),
    "ms": (_number, "milliseconds"),
    "option": (_integer, "an option number"),
    "type": (_text, "a socket type"),
    "fault": (_text, "a fault"),
    "latency_ms": (_or_null(_number), "milliseconds"),
    "jitter_ms": (_or_null(_number), "milliseconds"),
    "bandwidth_bps": (_or_null(_number), "bits per second"),
    "loss": (_or_null(_number), "a fraction"),
    "seed": (_or_null(_integer), "a whole number"),
    "limit": (_integer, "a byte count"),
}


def check_record(record):
    """Why `record` is no trace record, or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    if "t" not in record:
        return "not a trace record (no time 't')"
    if "call" not in record and "event" not in record:
        return "not a trace record (neither a call nor an event)"
    for key, (valid, meaning) in FIELD_TYPES.items():
        if key in record and not valid(record[key]):
            return "field %r should be %s, not %s" % (key, meaning, json.dumps(record[key])[:40])
    return None


def read_records(path):
    """The records of a trace file, in order; TraceError naming the line of one that is not a
    record (not JSON, not UTF-8, a field of the wrong type)."""
    records = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise TraceError("%s:%d: not UTF-8 text" % (path, number)) from None
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise TraceError("%s:%d: not a JSON object (%s)" % (path, number, error)) from None
            except RecursionError:
                raise TraceError("%s:%d: not a JSON object (nested too deep)" % (path, number)) from None
            problem = check_record(record)
            if problem:
                raise TraceError("%s:%d: %s" % (path, number, problem))
            records.append(record)
    return records


def errno_text(number):
    if number < 0:
        return "%d (lwIP error)" % number
    name = ERRNO_NAMES.get(number)
    return "%s (%d)" % (name, number) if name else "errno %d" % number


def outcome_text(record):
    if "errno" in record:
        return errno_text(record["errno"])
    if "error" in record:
        return record["error"]
    result = record.get("result")
    if result is None:
        return "ok"
    if record.get("call") == "accept" and "new" in record:
        return "%s (socket %s)" % (result, record["new"])
    return str(result)


def argument_text(record):
    call = record["call"]
    if call == "setsockopt":
        option = record.get("option")
        parts = [OPTION_NAMES.get(option, str(option))]
        if "value" in record:
            parts.append(str(record["value"]))
        return ", ".join(parts)
    if call == "settimeout":
        ms = record.get("ms", -1)
        if ms <= 0:
            return "None" if ms < 0 else "0"
        return "%gs" % (ms / 1000.0)
    parts = []
    for key, value in record.items():
        if key in _NOT_ARGUMENTS or (call == "recvfrom" and key == "from"):
            continue
        if key == "len" and call in DATA_CALLS:
            parts.append("<%d bytes>" % value)
        else:
            parts.append(str(value) if key in ("addr", "len") else "%s=%s" % (key, value))
    return ", ".join(parts)


def call_text(record):
    text = "%s(%s) -> %s" % (record["call"], argument_text(record), outcome_text(record))
    if record.get("call") == "recvfrom" and "from" in record:
        text += " from %s" % record["from"]
    return text


def event_text(record):
    event = record["event"]
    if event in ERRNO_EVENTS and ("errno" in record or "bytes" in record):
        return "* %s: %s" % (event, errno_text(record.get("errno", record.get("bytes"))))
    if event == "open":
        return "* open %s" % record.get("type", "")
    if "bytes" in record:
        return "* %s %d bytes" % (event, record["bytes"])
    return "* %s" % event


def link_event_text(record):
    event = record["event"]
    if event == "conditions":
        bandwidth = record.get("bandwidth_bps") or 0
        return "conditions: latency %gms, jitter %gms, bandwidth %s, loss %g%%, seed %s" % (
            record.get("latency_ms") or 0,
            record.get("jitter_ms") or 0,
            "%gkbit/s" % (bandwidth / 1000.0) if bandwidth else "unlimited",
            100.0 * (record.get("loss") or 0),
            record.get("seed"),
        )
    if event == "fault":
        return "fault: %s" % record.get("fault", "?")
    if event == "trace-limit":
        return "the trace stops here, at its limit of %s bytes (--trace-limit)" % record.get("limit", "?")
    return event


def board_event_text(record):
    if record["event"] == "led":
        text = "%s %s" % (record.get("led", "?"), "on" if record.get("on") else "off")
        intensity = record.get("intensity")
        if record.get("on") and intensity not in (None, 255):
            text += " (intensity %s)" % intensity
        return text
    return record["event"]


class Totals:
    """What a trace adds up to."""

    def __init__(self, records):
        self.calls = 0
        self.calls_by_name = {}
        self.bytes_out = 0
        self.bytes_in = 0
        self.errors = {}
        self.sockets = {}
        self.lost = 0
        self.dropped = 0
        self.first = records[0]["t"] if records else 0.0
        self.last = records[-1]["t"] if records else 0.0
        for record in records:
            self._add(record)

    def _add(self, record):
        sock = record.get("sock")
        if sock is not None:
            self.sockets.setdefault(sock, None)
        if "call" in record:
            self.calls += 1
            self.calls_by_name[record["call"]] = self.calls_by_name.get(record["call"], 0) + 1
            if "errno" in record:
                self.errors[record["errno"]] = self.errors.get(record["errno"], 0) + 1
            return
        event = record.get("event")
        if event == "open":
            self.sockets[sock] = record.get("type")
        elif event in OUT_EVENTS:
            self.bytes_out += record.get("bytes", 0)
        elif event in IN_EVENTS:
            self.bytes_in += record.get("bytes", 0)
        elif event == "datagram-lost":
            self.lost += 1
        elif event == "datagram-dropped":
            self.dropped += 1

    def lines(self):
        kinds = [kind for kind in self.sockets.values() if kind]
        by_kind = ", ".join("%d %s" % (kinds.count(kind), kind) for kind in sorted(set(kinds)))
        calls = ", ".join("%s %d" % item for item in sorted(self.calls_by_name.items()))
        errors = ", ".join(
            "%s x%d" % (errno_text(number), count) for number, count in sorted(self.errors.items())
        )
        return [
            "time span   %.6f .. %.6f s (%.3f s)" % (self.first, self.last, self.last - self.first),
            "sockets     %d%s" % (len(self.sockets), " (%s)" % by_kind if by_kind else ""),
            "calls       %d%s" % (self.calls, " (%s)" % calls if calls else ""),
            "bytes out   %d (camera to peer)" % self.bytes_out,
            "bytes in    %d (peer to camera)" % self.bytes_in,
            "datagrams   %d lost on the link, %d dropped (receive queue full)" % (self.lost, self.dropped),
            "errors      %s" % (errors or "none"),
        ]


def timeline_lines(records):
    """The whole report: per-socket timelines, the link's events, the totals."""
    by_socket = {}
    link_events = []
    board_events = []
    for record in records:
        if record.get("sock") is None and record.get("event") in BOARD_EVENTS:
            board_events.append(record)
        elif record.get("sock") is None:
            link_events.append(record)
        else:
            by_socket.setdefault(record["sock"], []).append(record)

    lines = []
    for sock in sorted(by_socket):
        own = by_socket[sock]
        totals = Totals(own)
        kind = totals.sockets.get(sock) or "socket"
        errors = sum(totals.errors.values())
        lines.append(
            "socket %s (%s): %d calls, %d bytes out, %d bytes in, %d errors"
            % (sock, kind, totals.calls, totals.bytes_out, totals.bytes_in, errors)
        )
        for record in own:
            text = call_text(record) if "call" in record else event_text(record)
            lines.append("  %10.6f  %s" % (record["t"], text))
        lines.append("")
    if link_events:
        lines.append("link")
        for record in link_events:
            lines.append("  %10.6f  %s" % (record["t"], link_event_text(record)))
        lines.append("")
    if board_events:
        lines.append("board")
        for record in board_events:
            lines.append("  %10.6f  %s" % (record["t"], board_event_text(record)))
        lines.append("")
    lines.append("totals")
    lines.extend("  " + line for line in Totals(records).lines())
    return lines
