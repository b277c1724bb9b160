"""`mpsock trace FILE`: a trace as a timeline per socket, the link's events and the totals."""

import json
import socket as native

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mpsock import traceview
from native_peers import free_port

TRACED_SCRIPT = """
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0)) if False else None
u.sendto(b"0123456789", ("127.0.0.1", {port}))
u.settimeout(0.05)
try:
    u.recv(5)
except OSError as e:
    print("recv", e.args[0])
c = socket.socket()
try:
    c.connect(("127.0.0.1", {closed}))
except OSError as e:
    print("connect", e.args[0])
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.close()
time.sleep_ms(400)
u.close()
"""


@pytest.fixture
def traced_run(run_mpsock, script, tmp_path):
    sink = native.socket(native.AF_INET, native.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    trace = tmp_path / "run.jsonl"
    path = script(TRACED_SCRIPT.format(port=sink.getsockname()[1], closed=free_port()))
    result = run_mpsock(
        "run", "--trace", str(trace), "--latency", "20ms", "--fault", "link-down@250ms for 50ms", path
    )
    sink.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["recv 110", "connect 104"]
    return trace


def test_trace_command_shows_each_socket_then_the_link_then_totals(run_mpsock, traced_run):
    result = run_mpsock("trace", str(traced_run))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    udp = out.index("socket 1 (udp): 4 calls, 10 bytes out, 0 bytes in, 1 errors")
    tcp = out.index("socket 2 (tcp): 3 calls, 0 bytes out, 0 bytes in, 1 errors")
    link, totals = out.index("\nlink\n"), out.index("\ntotals\n")
    assert udp < tcp < link < totals
    for text in (
        "sendto(<10 bytes>, 127.0.0.1:",
        "settimeout(0.05s) -> ok",
        "recv(5) -> ETIMEDOUT (110)",
        "* datagram-out 10 bytes",
        "connect(127.0.0.1:",
        "-> ECONNRESET (104)",
        "* reset: ECONNRESET (104)",
        "setsockopt(TCP_NODELAY, 1) -> applied",
        "close() -> ok",
        "conditions: latency 20ms, jitter 0ms, bandwidth unlimited, loss 0%, seed 1",
        "fault: link-down@250ms for 50ms",
        "link-down",
        "link-up",
    ):
        assert text in out, text
    tail = out[totals:]
    assert "sockets     2 (1 tcp, 1 udp)" in tail
    assert "calls       7 (close 2, connect 1, recv 1, sendto 1, setsockopt 1, settimeout 1)" in tail
    assert "bytes out   10 (camera to peer)" in tail and "bytes in    0 (peer to camera)" in tail
    assert "errors      ECONNRESET (104) x1, ETIMEDOUT (110) x1" in tail


def test_every_record_is_one_timed_line(traced_run):
    records = traceview.read_records(str(traced_run))
    lines = traceview.timeline_lines(records)
    for record in records:
        stamp = "  %10.6f  " % record["t"]
        assert sum(line.startswith(stamp) for line in lines) >= 1, record
    timed = [
        line for line in lines if line.startswith("  ") and line[2:12].strip().replace(".", "").isdigit()
    ]
    assert len(timed) == len(records)


def test_totals_add_up_bytes_errors_and_datagrams():
    records = [
        {"t": 0.5, "sock": 1, "event": "open", "type": "tcp"},
        {"t": 0.6, "sock": 1, "call": "send", "len": 5, "result": 5},
        {"t": 0.7, "sock": 1, "event": "data-out", "bytes": 5},
        {"t": 0.8, "sock": 1, "event": "data-in", "bytes": 800},
        {"t": 0.9, "sock": 1, "call": "recv", "len": 1024, "errno": 110},
        {"t": 1.0, "sock": 2, "event": "open", "type": "udp"},
        {"t": 1.1, "sock": 2, "event": "datagram-in", "bytes": 40},
        {"t": 1.2, "sock": 2, "event": "datagram-lost", "bytes": 40},
        {"t": 1.3, "sock": 2, "event": "datagram-dropped", "bytes": 40},
        {"t": 1.4, "sock": 2, "call": "recv", "len": 10, "errno": 110},
        {"t": 2.5, "event": "link-down"},
    ]
    totals = traceview.Totals(records)
    assert (totals.calls, totals.bytes_out, totals.bytes_in) == (3, 5, 840)
    assert totals.errors == {110: 2}
    assert (totals.lost, totals.dropped) == (1, 1)
    assert (totals.first, totals.last) == (0.5, 2.5)
    lines = traceview.timeline_lines(records)
    assert "socket 1 (tcp): 2 calls, 5 bytes out, 800 bytes in, 1 errors" in lines
    assert "    0.900000  recv(1024) -> ETIMEDOUT (110)" in lines
    assert "  errors      ETIMEDOUT (110) x2" in lines
    assert "  datagrams   1 lost on the link, 1 dropped (receive queue full)" in lines


def test_outcomes_and_arguments_read_as_calls():
    assert traceview.call_text(
        {"t": 0, "sock": 1, "call": "accept", "result": "10.0.0.2:5000", "new": 3}
    ) == ("accept() -> 10.0.0.2:5000 (socket 3)")
    assert traceview.call_text({"t": 0, "sock": 1, "call": "listen", "backlog": 2, "result": None}) == (
        "listen(backlog=2) -> ok"
    )
    assert traceview.call_text({"t": 0, "sock": 1, "call": "settimeout", "ms": -1, "result": None}) == (
        "settimeout(None) -> ok"
    )
    assert traceview.call_text(
        {"t": 0, "sock": 1, "call": "sendall", "len": 3, "error": "NotImplementedError"}
    ) == ("sendall(<3 bytes>) -> NotImplementedError")
    assert traceview.call_text({"t": 0, "sock": 1, "call": "settimeout", "ms": 0, "result": None}) == (
        "settimeout(0) -> ok"
    )
    assert (
        traceview.event_text({"t": 0, "sock": 1, "event": "error", "errno": 113})
        == "* error: EHOSTUNREACH (113)"
    )
    assert traceview.errno_text(999) == "errno 999" and traceview.errno_text(-2) == "-2 (lwIP error)"


def test_empty_trace(tmp_path, run_mpsock):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    result = run_mpsock("trace", str(path))
    assert result.returncode == 0
    assert "sockets     0" in result.stdout and "errors      none" in result.stdout


def test_unreadable_traces_are_refused(tmp_path, run_mpsock):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"t": 0.1, "event": "link-up"}) + "\n{not json\n")
    result = run_mpsock("trace", str(bad))
    assert result.returncode == 2 and "bad.jsonl:2: not a JSON object" in result.stderr
    no_time = tmp_path / "no_time.jsonl"
    no_time.write_text('{"event": "link-up"}\n')
    assert "no time" in run_mpsock("trace", str(no_time)).stderr
    missing = run_mpsock("trace", str(tmp_path / "missing.jsonl"))
    assert missing.returncode == 2 and "No such file" in missing.stderr


BUSY_SCRIPT = """
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(0)
for i in range(3000):
    try:
        u.recv(8)
    except OSError:
        pass
print("done")
"""


def test_a_trace_stops_at_its_limit_and_says_so(run_mpsock, script, tmp_path):
    trace = tmp_path / "busy.jsonl"
    result = run_mpsock("run", "--trace", str(trace), "--trace-limit", "8KiB", script(BUSY_SCRIPT))
    assert (result.returncode, result.stdout) == (0, "done\n"), result.stderr
    assert 7000 < trace.stat().st_size <= 8192
    records = traceview.read_records(str(trace))
    assert records[-1]["event"] == "trace-limit" and records[-1]["limit"] == 8192
    shown = run_mpsock("trace", str(trace))
    assert "the trace stops here, at its limit of 8192 bytes" in shown.stdout


def test_a_trace_without_a_limit_keeps_everything(run_mpsock, script, tmp_path):
    trace = tmp_path / "busy.jsonl"
    result = run_mpsock("run", "--trace", str(trace), "--trace-limit", "none", script(BUSY_SCRIPT))
    assert result.returncode == 0, result.stderr
    calls = [record for record in traceview.read_records(str(trace)) if record.get("call") == "recv"]
    assert len(calls) == 3000


# Records whose fields have the wrong type: each is refused with its line, as a truncated
# file is, never a traceback.
WRONG_FIELDS = [
    {"t": 0.1, "sock": [1], "call": "recv", "len": 5, "result": 5},
    {"t": 0.1, "sock": {"a": 1}, "event": "open"},
    {"t": 0.1, "sock": "1", "event": "open"},
    {"t": 0.1, "sock": 1.5, "event": "open"},
    {"t": 0.1, "sock": True, "event": "open"},
    {"t": None, "event": "link-up"},
    {"t": "0.1", "event": "link-up"},
    {"t": [0.1], "event": "link-up"},
    {"t": True, "event": "link-up"},
    {"t": 0.1, "sock": 1, "call": "settimeout", "ms": None, "result": None},
    {"t": 0.1, "sock": 1, "call": "settimeout", "ms": "5", "result": None},
    {"t": 0.1, "sock": 1, "event": "data-in", "bytes": None},
    {"t": 0.1, "sock": 1, "event": "data-out", "bytes": "5"},
    {"t": 0.1, "sock": 1, "event": "reset", "bytes": [104]},
    {"t": 0.1, "sock": 1, "call": "send", "len": None, "result": 0},
    {"t": 0.1, "sock": 1, "call": "recv", "len": 5, "errno": "110"},
    {"t": 0.1, "sock": 1, "call": "recv", "len": 5, "errno": None},
    {"t": 0.1, "sock": 1, "call": None, "len": 5},
    {"t": 0.1, "sock": 1, "call": ["recv"]},
    {"t": 0.1, "sock": 1, "event": 7},
    {"t": 0.1, "event": "conditions", "latency_ms": "20"},
    {"t": 0.1, "event": "conditions", "loss": [0.1]},
    {"t": 0.1, "sock": 1, "call": "setsockopt", "option": [4], "value": 1, "result": None},
    {"t": 0.1, "sock": 1, "call": "accept", "result": "1.2.3.4:5", "new": [2]},
]


@pytest.mark.parametrize("record", WRONG_FIELDS, ids=[json.dumps(r)[:60] for r in WRONG_FIELDS])
def test_a_field_of_the_wrong_type_is_a_clean_error(tmp_path, run_mpsock, record):
    path = tmp_path / "wrong.jsonl"
    path.write_text(json.dumps({"t": 0.0, "event": "link-up"}) + "\n" + json.dumps(record) + "\n")
    with pytest.raises(traceview.TraceError) as refused:
        traceview.timeline_lines(traceview.read_records(str(path)))
    assert "wrong.jsonl:2:" in str(refused.value)


def test_the_trace_command_refuses_wrong_types_with_status_2(tmp_path, run_mpsock):
    path = tmp_path / "wrong.jsonl"
    path.write_text('{"t": 0.1, "sock": [1], "call": "recv", "len": 5}\n{"t": null, "event": "x"}\n')
    result = run_mpsock("trace", str(path))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("mpsock: ") and "wrong.jsonl:1:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00garbage\n",
        b'{"t": 1e999, "event": "x"}\n',
        b'{"t": NaN, "event": "x"}\n',
        b"[1, 2]\n",
        b'"just a string"\n',
        b'{"t": 0.1, "event": "x"' + b" " * 10 + b"\n",
        b"\x00\x00\x00\n",
    ],
)
def test_a_file_that_is_no_trace_is_a_clean_error(tmp_path, run_mpsock, content):
    path = tmp_path / "noise.jsonl"
    path.write_bytes(content)
    result = run_mpsock("trace", str(path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "noise.jsonl:1:" in result.stderr


def test_a_folder_is_no_trace(tmp_path, run_mpsock):
    result = run_mpsock("trace", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
FIELD_NAMES = st.sampled_from(
    [
        "t",
        "sock",
        "call",
        "event",
        "result",
        "errno",
        "error",
        "new",
        "len",
        "bytes",
        "ms",
        "option",
        "value",
        "addr",
        "from",
        "type",
        "fault",
        "latency_ms",
        "jitter_ms",
        "bandwidth_bps",
        "loss",
        "seed",
        "backlog",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=8), min_size=1, max_size=4))
def test_any_json_records_give_a_timeline_or_a_trace_error(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("fuzz") / "trace.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    try:
        lines = traceview.timeline_lines(traceview.read_records(str(path)))
    except traceview.TraceError:
        return
    assert lines[-8] == "totals"
