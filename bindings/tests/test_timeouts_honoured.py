"""A peer that never answers: every blocking call gives up when its timeout says, within
50 ms, with ETIMEDOUT (poll and select return empty), and a zero timeout does not wait."""

import socket as native
import threading
import time

import pytest
from native_peers import PEER_TIMEOUT

TIMEOUT = 0.2
SLACK = 0.05
ETIMEDOUT = 110


@pytest.fixture
def silent_peer(native_server):
    """A native server that accepts and then says nothing until the test ends."""
    done = threading.Event()
    server = native_server(lambda conn: done.wait(30))
    yield server
    done.set()


@pytest.fixture
def unanswering_listener():
    """A native listener whose queue is full: the kernel drops further SYNs, so a connect
    to it is never answered."""
    listener = native.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    queued = []
    for _ in range(4):
        filler = native.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        queued.append(filler)
    time.sleep(0.05)
    yield listener.getsockname()
    for s in queued + [listener]:
        s.close()


def connected(emu, peer):
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(peer.address)
    return s


def udp_socket(emu):
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


def listening(emu):
    s = emu.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s


def timed(call):
    started = time.monotonic()
    try:
        result = call()
    except OSError as error:
        return time.monotonic() - started, error.errno
    return time.monotonic() - started, result


def assert_on_time(waited):
    assert TIMEOUT <= waited <= TIMEOUT + SLACK, "waited %.3f s for a %.3f s timeout" % (waited, TIMEOUT)


SOCKET_CALLS = {
    "tcp recv": (connected, lambda s: s.recv(10)),
    "tcp recvfrom": (connected, lambda s: s.recvfrom(10)),
    "tcp read": (connected, lambda s: s.read(10)),
    "tcp readline": (connected, lambda s: s.readline()),
    "tcp readinto": (connected, lambda s: s.readinto(bytearray(10))),
    "udp recv": (udp_socket, lambda s: s.recv(10)),
    "udp recvfrom": (udp_socket, lambda s: s.recvfrom(10)),
    "accept": (listening, lambda s: s.accept()),
}


@pytest.mark.parametrize("name", sorted(SOCKET_CALLS))
def test_settimeout_is_honoured_within_50_ms(emu, silent_peer, name):
    make, call = SOCKET_CALLS[name]
    s = make(emu, silent_peer) if make is connected else make(emu)
    s.settimeout(TIMEOUT)
    waited, outcome = timed(lambda: call(s))
    assert outcome == ETIMEDOUT
    assert_on_time(waited)
    s.settimeout(0)
    waited, _ = timed(lambda: call(s))
    assert waited < SLACK
    s.close()


def test_rcvtimeo_is_honoured_within_50_ms(desktop, silent_peer):
    s = connected(desktop, silent_peer)
    s.setsockopt(desktop.SOL_SOCKET, desktop.SO_RCVTIMEO, int(TIMEOUT * 1000))
    waited, outcome = timed(lambda: s.recv(10))
    assert outcome == ETIMEDOUT
    assert_on_time(waited)
    s.close()


def test_connect_to_a_peer_that_never_answers_times_out_within_50_ms(emu, unanswering_listener):
    s = emu.socket()
    s.settimeout(TIMEOUT)
    waited, outcome = timed(lambda: s.connect(unanswering_listener))
    assert outcome == ETIMEDOUT
    assert_on_time(waited)
    s.close()


def test_poll_timeout_is_honoured_within_50_ms(emu):
    import mpsock

    select = mpsock._mpsock.select
    s = udp_socket(emu)
    poller = select.poll()
    poller.register(s, select.POLLIN)
    waited, outcome = timed(lambda: poller.poll(int(TIMEOUT * 1000)))
    assert outcome == []
    assert_on_time(waited)
    waited, outcome = timed(lambda: list(poller.ipoll(int(TIMEOUT * 1000))))
    assert outcome == []
    assert_on_time(waited)
    waited, outcome = timed(lambda: select.select([s], [], [], TIMEOUT))
    assert outcome == ([], [], [])
    assert_on_time(waited)
    waited, _ = timed(lambda: poller.poll(0))
    assert waited < SLACK
    s.close()


# A deadline was once now + milliseconds in steady_clock's nanoseconds, unbounded: past ~292
# years it overflowed (undefined behaviour), and such a wait ended at once.
@pytest.mark.parametrize("call", ["recv", "select"])
def test_a_timeout_of_centuries_waits(emu, call):
    import mpsock

    select = mpsock._mpsock.select
    s = udp_socket(emu)
    s.settimeout(1e10)  # 317 years
    if call == "recv":
        wait = lambda: s.recv(1)
    else:
        wait = lambda: select.select([s], [], [], 1e10)
    closer = threading.Timer(TIMEOUT, s.close)  # ends the wait, if it is one
    closer.start()
    waited, _ = timed(wait)
    closer.join()
    assert waited >= TIMEOUT, "gave up after %.3f s" % waited
