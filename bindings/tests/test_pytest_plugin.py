"""The pytest plugin, as its users meet it: test files that run camera scripts under the
emulator through mpsock_run / mpsock_start, in a pytest run of their own (pytester)."""

import sys

import pytest
from mpsock import pytest_plugin

pytest_plugins = ["pytester"]

CLIENT = """
import socket, sys
addr = socket.getaddrinfo(sys.argv[1], int(sys.argv[2]))[0][-1]
s = socket.socket()
s.settimeout(5)
s.connect(addr)
s.sendall(b"hello\\n")
print("reply", s.readline().strip().decode())
s.close()
"""

SERVER = """
import socket, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("0.0.0.0", int(sys.argv[1])))
server.listen(1)
print("listening")
conn, addr = server.accept()
conn.sendall(b"HELLO " + conn.readline())
conn.close()
print("served one")
"""

PEER = """
import socket, threading

def echo_server():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.settimeout(10)

    def serve():
        conn, _ = sock.accept()
        conn.settimeout(10)
        line = conn.makefile("rb").readline()
        conn.sendall(line.upper())
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1]
"""


@pytest.fixture
def suite(pytester):
    """A pytest project with the two camera scripts; runs it with the plugin enabled."""
    pytester.makefile(".py", client=CLIENT, server=SERVER, peer=PEER)

    def run(test_source, *args):
        pytester.makepyfile(test_cameras=test_source)
        plugin = [] if pytest_plugin.loaded_by_entry_point() else ["-p", "mpsock.pytest_plugin"]
        return pytester.runpytest_subprocess(*(plugin + ["-p", "no:cacheprovider"] + list(args)), timeout=120)

    return run


def test_run_with_hosts_conditions_faults_and_trace(suite):
    result = suite("""
from peer import echo_server

def test_client(mpsock_run):
    port = echo_server()
    run = mpsock_run("client.py", "echo.lan", port, hosts={"echo.lan": "127.0.0.1"}, offline=True,
                     latency="40ms", loss=0.01, seed=5, faults=["dns-fail:other.lan"])
    run.check()
    assert run.lines == ["reply HELLO"]
    assert run.trace.calls("connect")[0]["addr"] == "127.0.0.1:%d" % port
    assert run.trace.events("conditions")[0]["latency_ms"] == 40
    assert [e["fault"] for e in run.trace.events("fault")] == ["dns-fail:other.lan"]
    assert run.trace.totals.bytes_out == 6
    assert "socket 1 (tcp)" in run.trace.timeline()

def test_exit_status_and_stderr(mpsock_run):
    run = mpsock_run("client.py", "nowhere.lan", 1, offline=True, trace=False)
    assert run.returncode == 1 and "OSError" in run.stderr
    assert len(run.trace) == 0
    try:
        run.check()
    except AssertionError as error:
        assert "exited with 1" in str(error) and "OSError" in str(error)
    else:
        raise AssertionError("check() passed a failed run")
""")
    result.assert_outcomes(passed=2)


def test_background_server_marker_and_profile_option(suite):
    result = suite(
        """
import socket
import pytest

@pytest.mark.mpsock(latency="20ms", network="up")
def test_server(mpsock_start, mpsock_port):
    server = mpsock_start("server.py", mpsock_port, connect_time="100ms")
    server.wait_for_line("listening")
    with socket.create_connection(("127.0.0.1", mpsock_port), timeout=10) as conn:
        conn.sendall(b"cam\\n")
        assert conn.makefile("rb").readline() == b"HELLO cam\\n"
    result = server.wait(timeout=20)
    assert result.returncode == 0 and result.lines == ["listening", "served one"]
    assert result.trace.events("conditions")[0]["latency_ms"] == 20
    assert "--profile" in result.command and "openmv-n6" in result.command
    assert "--connect-time" in result.command

def test_unknown_option(mpsock_run):
    with pytest.raises(TypeError):
        mpsock_run("client.py", latncy="1ms")

def test_waiting_for_a_line_that_never_comes(mpsock_start, mpsock_port):
    server = mpsock_start("server.py", mpsock_port)
    with pytest.raises(AssertionError, match="listening on the moon"):
        server.wait_for_line("listening on the moon", timeout=1)
    stopped = server.stop()
    assert stopped.returncode != 0 and stopped.lines == ["listening"]
""",
        "--mpsock-profile",
        "openmv-n6",
    )
    result.assert_outcomes(passed=3)


def test_a_script_that_hangs_fails_in_time(suite):
    result = suite("""
def test_hang(mpsock_run, tmp_path):
    script = tmp_path / "hang.py"
    script.write_text("import time\\nprint('started')\\ntime.sleep(60)\\n")
    mpsock_run(str(script), timeout=2)
""")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*script did not end within 2s*"])


def test_command_line_from_options():
    command = pytest_plugin.command_line(
        "cam.py",
        ("a", 1),
        {
            "profile": "stm32-generic",
            "latency": 30,
            "jitter": "5ms",
            "bandwidth": 2e6,
            "loss": "1%",
            "seed": 9,
            "faults": ["reset@2s", "close@64KB"],
            "hosts": {"x.lan": "127.0.0.1"},
            "offline": True,
            "expose": True,
            "network": False,
            "connect_time": 250,
            "gc": "eager",
            "strict": True,
        },
        "/tmp/t.jsonl",
    )
    assert command[:4] == [sys.executable, "-m", "mpsock.cli", "run"]
    assert command[4:] == [
        "--profile",
        "stm32-generic",
        "--latency",
        "30ms",
        "--jitter",
        "5ms",
        "--bandwidth",
        "2000000bit",
        "--loss",
        "1%",
        "--seed",
        "9",
        "--fault",
        "reset@2s",
        "--fault",
        "close@64KB",
        "--host",
        "x.lan=127.0.0.1",
        "--offline",
        "--expose",
        "--network",
        "down",
        "--connect-time",
        "250ms",
        "--gc",
        "eager",
        "--strict",
        "--trace",
        "/tmp/t.jsonl",
        "cam.py",
        "a",
        "1",
    ]
