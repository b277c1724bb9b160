"""Ctrl-C during any blocked call of a script: KeyboardInterrupt at once, the process ends as
CPython's does on SIGINT, and a script that catches it can go on using the stack. (A blocked
accept under `mpsock run` is covered in test_commands.)"""

import os
import signal
import socket as native
import subprocess
import threading
import time

import pytest
from native_peers import NativeServer, echo

# Under a sanitizer (.ci/sanitizers sets MPSOCK_SANITIZER) start-up and exit are slower.
PROMPTLY = 3.0 if os.environ.get("MPSOCK_SANITIZER") else 1.0

# Each script gets in argv[1] the port of a native server on the desktop (which accepts and then
# neither reads nor sends, unless a test says otherwise), sets up, prints "blocking" and blocks
# for good. The peer is native: a camera cannot connect to its own listener.
SETUP = """
import select, socket, sys, time
port = int(sys.argv[1])
def connection():
    client = socket.socket()
    client.connect(('127.0.0.1', port))
    return client
def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(('127.0.0.1', port))
    return u
"""

BLOCKED_CALLS = {
    "recv": "s = connection()\nprint('blocking', flush=True)\ns.recv(10)\n",
    "readline": "s = connection()\nprint('blocking', flush=True)\ns.readline()\n",
    "sendall": "s = connection()\nprint('blocking', flush=True)\ns.sendall(b'x' * (64 << 20))\n",
    "udp recvfrom": "u = udp()\nprint('blocking', flush=True)\nu.recvfrom(10)\n",
    "poll": "u = udp()\np = select.poll()\np.register(u, select.POLLIN)\nprint('blocking', flush=True)\np.poll()\n",
    "select": "u = udp()\nprint('blocking', flush=True)\nselect.select([u], [], [])\n",
    "sleep": "print('blocking', flush=True)\ntime.sleep(100)\n",
    "sleep_ms": "print('blocking', flush=True)\ntime.sleep_ms(100000)\n",
}


@pytest.fixture
def silent_server():
    """A native server that accepts and then neither reads nor sends until the test ends."""
    done = threading.Event()
    server = NativeServer(lambda conn: done.wait(30))
    yield server
    done.set()
    server.close()


def interrupt(command, path, *args):
    """Starts the script, sends SIGINT once it blocks; (seconds to exit, status, stderr)."""
    process = subprocess.Popen(
        command + [path] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline() == "blocking\n", process.stderr.read()
        time.sleep(0.3)  # into the blocked call
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
        return time.monotonic() - sent, process.returncode, stderr
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("name", sorted(BLOCKED_CALLS))
def test_ctrl_c_interrupts_a_blocked_call_promptly(script, silent_server, name):
    path = script(SETUP + BLOCKED_CALLS[name])
    took, status, stderr = interrupt(["mpsock", "run"], path, str(silent_server.port))
    assert stderr.splitlines()[-1] == "KeyboardInterrupt", stderr
    assert status == -signal.SIGINT
    assert took < PROMPTLY


def test_ctrl_c_interrupts_mpsock_micropython_too(script, silent_server):
    path = script(SETUP + BLOCKED_CALLS["recv"])
    took, status, stderr = interrupt(["mpsock-micropython"], path, str(silent_server.port))
    assert stderr.splitlines()[-1].startswith("KeyboardInterrupt"), stderr  # MicroPython adds ": "
    assert status == -signal.SIGINT
    assert took < PROMPTLY


def test_connect_to_a_peer_that_never_answers_is_interrupted(script):
    listener = native.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = [native.socket() for _ in range(4)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
    path = script(
        SETUP + "s = socket.socket()\nprint('blocking', flush=True)\ns.connect(('127.0.0.1', port))\n"
    )
    try:
        took, status, stderr = interrupt(["mpsock", "run"], path, str(listener.getsockname()[1]))
    finally:
        for sock in fillers + [listener]:
            sock.close()
    assert stderr.splitlines()[-1] == "KeyboardInterrupt", stderr
    assert status == -signal.SIGINT
    assert took < PROMPTLY


def test_a_script_that_catches_ctrl_c_goes_on_using_the_stack(script, native_server):
    server = native_server(echo)
    path = script(
        SETUP
        + """
s = connection()
print('blocking', flush=True)
try:
    s.recv(10)
except KeyboardInterrupt:
    s.send(b'after')
    print('caught', s.recv(10), flush=True)
"""
    )
    process = subprocess.Popen(
        ["mpsock", "run", path, str(server.port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline() == "blocking\n"
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()
    assert stdout == "caught b'after'\n", stderr
    assert process.returncode == 0
