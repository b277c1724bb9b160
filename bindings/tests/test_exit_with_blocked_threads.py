"""A script ends while its sockets are open and its threads are blocked in them: the process
exits, with the script's status, promptly, and without a crash."""

import os
import subprocess
import time

import pytest
from native_peers import NativeServer, free_port

EXIT_WITHIN = 5.0
# The scripts use CPython's threading module (daemon and non-daemon threads), which no camera
# has: the desktop profile lets a script import what the board lacks from CPython.
DESKTOP = dict(os.environ, MPSOCK_PROFILE="desktop")

# argv[1]: a free port for the script's own server and UDP socket; argv[2]: the port of a native
# server on the desktop, which sends a few bytes the script never reads (a camera cannot
# connect to its own server).
SETUP = """
import select, socket, sys, threading, _thread, time
port = int(sys.argv[1])
server = socket.socket()
server.bind(('127.0.0.1', port))
server.listen(2)
client = socket.socket()
client.connect(('127.0.0.1', int(sys.argv[2])))
client.send(b'unanswered')
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(('127.0.0.1', port))
def in_thread(call, daemon=True):
    threading.Thread(target=call, daemon=daemon).start()
    time.sleep(0.2)  # blocked by now
"""

# Daemon threads whose blocked call ended during the interpreter's finalization once took the
# GIL back in a noexcept destructor; CPython's pthread_exit unwound through it: SIGABRT at exit.

ENDINGS = {
    "sockets open, no threads": ("", 0),
    "daemon thread blocked in poll": (
        "p = select.poll()\np.register(udp, select.POLLIN)\nin_thread(p.poll)\n",
        0,
    ),
    "daemon thread blocked in accept": ("in_thread(server.accept)\n", 0),
    "daemon thread blocked in recv": ("in_thread(lambda: client.recv(100))\n", 0),
    "_thread thread blocked in udp recv": ("_thread.start_new_thread(udp.recv, (10,))\ntime.sleep(0.2)\n", 0),
    "sys.exit(3) with a thread blocked in recv": ("in_thread(lambda: client.recv(10))\nsys.exit(3)\n", 3),
}


def cases():
    for name in ENDINGS:
        yield pytest.param(name, id=name)


@pytest.fixture
def desktop_server():
    """Sends each connection a few bytes and keeps it open, never reading."""
    server = NativeServer(lambda conn: conn.sendall(b"unread"))
    yield server
    server.close()


def run_to_exit(command, path, peer_port, times=4):
    """Runs the script `times` times at once (the crash is a race); for each run, the seconds
    it took, its status and its stderr."""
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            command + [path, str(free_port()), str(peer_port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=DESKTOP,
        )
        for _ in range(times)
    ]
    runs = []
    try:
        for process in processes:
            remaining = max(0.1, EXIT_WITHIN - (time.monotonic() - started))
            try:
                _, stderr = process.communicate(timeout=remaining)
            except subprocess.TimeoutExpired:
                raise AssertionError("the process did not exit within %.0f s" % EXIT_WITHIN)
            runs.append((time.monotonic() - started, process.returncode, stderr))
    finally:
        for process in processes:
            process.kill()
            process.communicate()
    return runs


def assert_clean_exits(runs, status):
    for took, returncode, stderr in runs:
        assert "terminate called" not in stderr and "Fatal Python error" not in stderr, stderr
        assert returncode == status, stderr
        assert took < EXIT_WITHIN


@pytest.mark.parametrize("name", cases())
def test_script_ends_with_threads_blocked_and_the_process_exits(script, desktop_server, name):
    body, status = ENDINGS[name]
    assert_clean_exits(run_to_exit(["mpsock", "run"], script(SETUP + body), desktop_server.port), status)


def test_mpsock_micropython_exits_with_a_thread_blocked(script, desktop_server):
    body, status = ENDINGS["daemon thread blocked in accept"]
    assert_clean_exits(run_to_exit(["mpsock-micropython"], script(SETUP + body), desktop_server.port), status)


# A non-daemon thread keeps the process alive, as in CPython, and keeps its sockets: a script
# whose main part only starts a server thread must go on serving after that part returns (on
# the camera too the thread runs on). The exit shutdown comes after such threads end.
SERVER_THREAD = """
import socket, sys, threading
listener = socket.socket()
listener.bind(('127.0.0.1', int(sys.argv[1])))
listener.listen(1)
def serve():
    conn, _ = listener.accept()
    conn.send(conn.recv(16).upper())
    conn.close()
    listener.close()
threading.Thread(target=serve).start()
print('main part done', flush=True)
"""


def test_a_non_daemon_thread_serves_after_the_main_part_returns(script):
    import socket

    port = free_port()
    process = subprocess.Popen(["mpsock", "run", script(SERVER_THREAD), str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=DESKTOP)
    try:
        assert process.stdout.readline() == "main part done\n"
        with socket.create_connection(("127.0.0.1", port), timeout=EXIT_WITHIN) as peer:
            peer.sendall(b"still here")
            assert peer.recv(16) == b"STILL HERE"
        assert process.wait(EXIT_WITHIN) == 0
    finally:
        process.kill()
        process.communicate()
