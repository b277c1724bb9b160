"""close() from another thread ends whatever call is blocked on the socket, at once, with
EBADF (a blocked poll reports POLLNVAL), and the stack goes on working. (A blocked TCP recv
is covered in test_threads_and_callbacks.)"""

import socket as native
import threading
import time

import pytest
from native_peers import PEER_TIMEOUT

EBADF = 9
POLLNVAL = 0x20


def assert_stack_usable(emu, echo_server):
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(echo_server.address)
    s.sendall(b"still working")
    assert s.read(13) == b"still working"
    s.close()


def run_blocked(call):
    """Runs `call` on a thread; returns the thread and a list that gets its outcome."""
    outcome = []

    def blocked():
        try:
            outcome.append(call())
        except OSError as error:
            outcome.append(error.errno)

    thread = threading.Thread(target=blocked, daemon=True)
    thread.start()
    return thread, outcome


def close_and_wait(s, thread):
    time.sleep(0.2)  # the call is blocked by now
    assert thread.is_alive(), "the call did not block"
    closed_at = time.monotonic()
    s.close()
    thread.join(PEER_TIMEOUT)
    assert not thread.is_alive(), "the blocked call did not end"
    return time.monotonic() - closed_at


@pytest.fixture
def unread_connection(emu, native_server):
    """A connected emulator socket whose peer never reads nor sends."""
    done = threading.Event()
    server = native_server(lambda conn: done.wait(30))
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(server.address)
    s.settimeout(None)
    yield s
    done.set()


def listening(emu):
    s = emu.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s


def udp_bound(emu):
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


@pytest.mark.parametrize("name", ["accept", "udp recv", "udp recvfrom"])
def test_close_ends_a_blocked_call_on_an_idle_socket(emu, echo_server, name):
    s = listening(emu) if name == "accept" else udp_bound(emu)
    call = {"accept": s.accept, "udp recv": lambda: s.recv(10), "udp recvfrom": lambda: s.recvfrom(10)}[name]
    thread, outcome = run_blocked(call)
    assert close_and_wait(s, thread) < 0.5
    assert outcome == [EBADF]
    assert_stack_usable(emu, echo_server)


@pytest.mark.parametrize("name", ["read", "readline", "recvfrom", "sendall"])
def test_close_ends_a_blocked_call_on_a_connection(emu, echo_server, unread_connection, name):
    s = unread_connection
    call = {
        "read": lambda: s.read(100),
        "readline": s.readline,
        "recvfrom": lambda: s.recvfrom(100),
        # The peer never reads: once the buffers are full the sendall waits.
        "sendall": lambda: s.sendall(b"f" * (64 << 20)),
    }[name]
    thread, outcome = run_blocked(call)
    if name == "sendall":
        time.sleep(0.5)  # let the kernel's buffers fill
    assert close_and_wait(s, thread) < 0.5
    assert outcome == [EBADF]
    assert_stack_usable(emu, echo_server)


def test_close_ends_a_blocked_connect(emu, echo_server):
    listener = native.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = [native.socket() for _ in range(4)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
    s = emu.socket()
    thread, outcome = run_blocked(lambda: s.connect(listener.getsockname()))
    assert close_and_wait(s, thread) < 0.5
    assert outcome == [EBADF]
    for sock in fillers + [listener]:
        sock.close()
    assert_stack_usable(emu, echo_server)


def test_close_wakes_a_blocked_poll_with_pollnval(emu, echo_server):
    import mpsock

    select = mpsock._mpsock.select
    s = udp_bound(emu)
    poller = select.poll()
    poller.register(s, select.POLLIN)
    thread, outcome = run_blocked(poller.poll)
    assert close_and_wait(s, thread) < 0.5
    assert outcome == [[(s, POLLNVAL)]]
    assert_stack_usable(emu, echo_server)
