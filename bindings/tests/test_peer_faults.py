"""A peer that misbehaves mid-transfer: resets, closes, never reads. Each fault gives the
outcome docs/firmware-behaviour.md gives (§5's error state machine, §8's poll bits) and leaves
the stack usable for the next connection."""

import socket as native
import struct
import threading
import time

import pytest
from native_peers import PEER_TIMEOUT

ECONNRESET, EBADF, EAGAIN, ETIMEDOUT = 104, 9, 11, 110


def reset(conn):
    """Closes with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    conn.setsockopt(native.SOL_SOCKET, native.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def errno_of(call, *args):
    with pytest.raises(OSError) as info:
        call(*args)
    assert type(info.value) is OSError
    return info.value.errno


def wait_for_poll_bits(emu_select, s, bits, within=PEER_TIMEOUT):
    """The poll bits once all of `bits` show (the fault reached the emulator)."""
    poller = emu_select.poll()
    poller.register(s, emu_select.POLLIN | emu_select.POLLOUT)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for _, events in poller.poll(50):
            if events & bits == bits:
                poller.unregister(s)
                return events
    raise AssertionError("poll never showed 0x%x" % bits)


def assert_stack_usable(emu, echo_server):
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(echo_server.address)
    s.sendall(b"still working")
    assert s.read(13) == b"still working"
    s.close()


@pytest.fixture
def emu_select():
    import mpsock

    return mpsock._mpsock.select


def test_peer_reset_mid_transfer_raises_econnreset_once_then_eof(emu, native_server, echo_server):
    go = threading.Event()

    def send_then_reset(conn):
        conn.sendall(b"x" * 3000)
        go.wait(PEER_TIMEOUT)
        reset(conn)

    server = native_server(send_then_reset)
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(server.address)
    assert s.read(1000) == b"x" * 1000
    go.set()
    # Data may still come (lwIP drops what it queued; the host's kernel may still hand over
    # what it holds), then the first error is the reset, once.
    received = b""
    with pytest.raises(OSError) as info:
        while len(received) <= 2000:
            received += s.recv(1000)
    assert type(info.value) is OSError and info.value.errno == ECONNRESET
    assert received == b"x" * len(received)
    # After that a recv is EOF.
    assert s.recv(100) == b""
    assert s.recv(100) == b""
    # A send reports the stored error once, then the socket is gone.
    assert errno_of(s.send, b"y") == ECONNRESET
    assert errno_of(s.send, b"y") == EBADF
    s.close()
    assert_stack_usable(emu, echo_server)


def test_peer_reset_shows_in_poll_before_and_after_it_is_reported(
    emu, emu_select, native_server, echo_server
):
    go = threading.Event()

    def reset_when_told(conn):
        go.wait(PEER_TIMEOUT)
        reset(conn)

    server = native_server(reset_when_told)
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(server.address)
    go.set()
    IN, OUT, ERR, HUP = emu_select.POLLIN, emu_select.POLLOUT, emu_select.POLLERR, emu_select.POLLHUP
    # Not yet reported: the requested OUT, ERR and HUP, and IN.
    assert wait_for_poll_bits(emu_select, s, ERR | HUP) == IN | OUT | ERR | HUP
    assert errno_of(s.recv, 10) == ECONNRESET
    # Reported: HUP and IN only.
    poller = emu_select.poll()
    poller.register(s, IN | OUT)
    assert poller.poll(0) == [(s, HUP | IN)]
    s.close()
    assert poller.poll(0) == [(s, 0x20)]  # POLLNVAL for a closed socket
    assert_stack_usable(emu, echo_server)


def test_peer_reset_while_sending_fails_the_send_with_econnreset(emu, native_server, echo_server):
    def read_a_little_then_reset(conn):
        conn.recv(1000)
        reset(conn)

    server = native_server(read_a_little_then_reset)
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(server.address)
    started = time.monotonic()
    with pytest.raises(OSError) as info:
        while time.monotonic() - started < PEER_TIMEOUT:
            s.sendall(b"z" * 6400)
    assert info.value.errno == ECONNRESET
    # modlwip: a reset noticed while a send waited is raised by that send and once more by
    # the next (lwip_socket_check_connected), then EBADF.
    assert errno_of(s.send, b"z") in (ECONNRESET, EBADF)
    assert errno_of(s.send, b"z") == EBADF
    s.close()
    assert_stack_usable(emu, echo_server)


def test_peer_close_mid_transfer_gives_the_data_then_eof_and_sends_fail(
    emu, emu_select, native_server, echo_server
):
    def send_then_close(conn):
        conn.sendall(b"q" * 5000)
        conn.close()

    server = native_server(send_then_close)
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(server.address)
    received = b""
    while True:
        data = s.recv(10000)
        if not data:
            break
        assert len(data) <= 800  # one segment of the RT1062 profile at a time
        received += data
    assert received == b"q" * 5000
    assert s.recv(10) == b""
    # Peer closed: both asked-for bits, read gives EOF and write fails.
    events = wait_for_poll_bits(emu_select, s, emu_select.POLLIN | emu_select.POLLOUT)
    assert events & (emu_select.POLLIN | emu_select.POLLOUT) == emu_select.POLLIN | emu_select.POLLOUT
    # The peer's kernel answers data for a closed socket with a reset: within a few sends the
    # error shows, once, and then EBADF.
    errors = []
    deadline = time.monotonic() + PEER_TIMEOUT
    while not errors and time.monotonic() < deadline:
        try:
            s.send(b"after close")
            time.sleep(0.02)
        except OSError as error:
            errors.append(error.errno)
    assert errors == [ECONNRESET]
    assert errno_of(s.send, b"x") == EBADF
    s.close()
    assert_stack_usable(emu, echo_server)


def test_peer_that_never_reads_fills_the_send_buffer(emu, native_server, echo_server):
    stop_reading = threading.Event()
    resume = threading.Event()

    def reads_only_when_told(conn):
        stop_reading.wait(PEER_TIMEOUT)
        resume.wait(30)
        while conn.recv(1 << 20):
            pass

    server = native_server(reads_only_when_told)
    s = emu.socket()
    s.settimeout(PEER_TIMEOUT)
    s.connect(server.address)
    stop_reading.set()
    s.setblocking(False)
    chunk = b"w" * 100_000
    queued = 0
    with pytest.raises(OSError) as info:
        while queued < 512 << 20:  # far beyond any kernel buffer
            sent = s.send(chunk)
            assert 0 < sent <= 6400  # a short write at TCP_SND_BUF
            queued += sent
    assert info.value.errno == EAGAIN
    # A non-blocking sendall that cannot queue it all sends nothing.
    assert errno_of(s.sendall, chunk) == EAGAIN
    # With a timeout, a send with no room waits that long, then ETIMEDOUT.
    s.settimeout(0.2)
    while queued < 512 << 20:
        started = time.monotonic()
        try:
            queued += s.send(chunk)
        except OSError as error:
            waited = time.monotonic() - started
            assert error.errno == ETIMEDOUT
            assert 0.2 <= waited < 0.25, waited
            break
    else:
        raise AssertionError("the send buffer never filled")
    # The peer reads again: the same connection moves on.
    resume.set()
    s.settimeout(PEER_TIMEOUT)
    s.sendall(chunk)
    s.close()
    assert_stack_usable(emu, echo_server)
