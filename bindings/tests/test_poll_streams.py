"""select.poll over Python-level streams, as MicroPython polls any stream through its
ioctl(MP_STREAM_POLL): a script's class with an ioctl(req, arg) method, and the emulator's own
TLS sockets, which are readable when they hold decrypted data and which name the socket under
them to wait on, so a blocked poll costs no CPU."""

import threading
import time

import pytest

from mpsock import _mpsock
from mpsock.modules import script_modules
from native_peers import PEER_TIMEOUT
from tls_peers import HOST, Material, TlsServer, echo_lines, server_context

POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL = 1, 4, 8, 16, 32
PEER_MS = int(PEER_TIMEOUT * 1000)


class UserStream:
    """A script's stream, pollable the MicroPython way (an io.IOBase subclass on the board)."""

    def __init__(self, ready=0):
        self.ready = ready
        self.asked = 0

    def ioctl(self, request, arg):
        self.asked += 1
        if request != 3:  # MP_STREAM_POLL
            return -22
        return self.ready & (arg | POLLERR | POLLHUP)


@pytest.fixture
def select(emu):
    return _mpsock.select


@pytest.fixture(scope="module")
def material():
    return Material()


def test_user_stream_readiness_comes_from_its_ioctl(select):
    stream = UserStream(POLLIN | POLLOUT)
    poller = select.poll()
    poller.register(stream, POLLIN)
    assert poller.poll(0) == [(stream, POLLIN)]
    poller.modify(stream, POLLIN | POLLOUT)
    assert poller.poll(0) == [(stream, POLLIN | POLLOUT)]
    stream.ready = POLLHUP  # reported though not asked for
    assert poller.poll(0) == [(stream, POLLHUP)]
    poller.unregister(stream)
    assert poller.poll(0) == []
    with pytest.raises(OSError) as caught:
        poller.modify(stream, POLLIN)
    assert caught.value.args[0] == 2  # ENOENT


def test_user_stream_errors(select):
    class Failing:
        def ioctl(self, request, arg):
            return -5

    class Wrong:
        def ioctl(self, request, arg):
            return "ready"

    poller = select.poll()
    poller.register(Failing(), POLLIN)
    with pytest.raises(OSError) as caught:
        poller.poll(0)
    assert caught.value.args[0] == 5
    poller = select.poll()
    poller.register(Wrong(), POLLIN)
    with pytest.raises(TypeError):
        poller.poll(0)
    with pytest.raises(OSError, match="stream operation not supported"):
        select.poll().register(object(), POLLIN)


def test_streams_and_sockets_keep_the_registration_order(select, emu):
    udp = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    first, last = UserStream(POLLOUT), UserStream(POLLOUT)
    poller = select.poll()
    poller.register(first, POLLOUT)
    poller.register(udp, POLLOUT)
    poller.register(last, POLLOUT)
    assert [obj for obj, _ in poller.poll(0)] == [first, udp, last]
    # ipoll's one-shot disarms streams too, until modify().
    assert len(list(poller.ipoll(0, 1))) == 3
    assert list(poller.ipoll(0, 1)) == []
    poller.modify(last, POLLOUT)
    assert [obj for obj, _ in poller.ipoll(0, 1)] == [last]
    udp.close()


def test_a_quiet_user_stream_is_asked_again_without_spinning(select):
    stream = UserStream()
    poller = select.poll()
    poller.register(stream, POLLIN)
    threading.Timer(0.3, lambda: setattr(stream, "ready", POLLIN)).start()
    cpu, wall = time.process_time(), time.monotonic()
    assert poller.poll(PEER_MS) == [(stream, POLLIN)]
    waited = time.monotonic() - wall
    assert 0.25 < waited < 1.0
    # MicroPython asks every stream each time round; here the pauses between asks grow to
    # 20 ms, so a 0.3 s wait asks a few dozen times, not thousands.
    assert stream.asked < 60
    assert time.process_time() - cpu < 0.1
    stream.ready = 0
    started = time.monotonic()
    assert poller.poll(150) == []
    assert 0.14 < time.monotonic() - started < 0.5


def test_select_select_takes_streams(select):
    readable, writable = UserStream(POLLIN), UserStream(POLLOUT)
    assert select.select([readable, writable], [readable, writable], [], 0) == ([readable], [writable], [])


def tls_client(emu, port):
    tls = script_modules()["tls"]
    context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    context.verify_mode = tls.CERT_NONE
    s = emu.socket()
    s.connect(("127.0.0.1", port))
    return context.wrap_socket(s, server_hostname=HOST)


def test_tls_socket_blocked_in_poll_costs_nothing_and_wakes_on_data(select, emu, material):
    go = threading.Event()

    def later(conn):
        go.wait(PEER_TIMEOUT)
        conn.sendall(b"x" * 3)
        echo_lines(conn)

    server = TlsServer(server_context(material.leaf), later)
    try:
        t = tls_client(emu, server.port)
        poller = select.poll()
        poller.register(t, POLLIN)
        cpu = time.process_time()
        assert poller.poll(1000) == []
        assert time.process_time() - cpu < 0.05
        threading.Timer(0.2, go.set).start()
        started = time.monotonic()
        assert poller.poll(PEER_MS) == [(t, POLLIN)]
        assert time.monotonic() - started < 1.0
        assert t.read(1) == b"x"
        # Two bytes stay decrypted in the TLS layer: readable with nothing left in the socket.
        assert poller.poll(0) == [(t, POLLIN)]
        assert _mpsock.stream_poll(t, POLLIN) == POLLIN
        assert t.read(2) == b"xx"
        assert poller.poll(0) == []
        assert select.select([t], [], [], 0) == ([], [], [])
        t.close()
        assert poller.poll(0) == [(t, POLLNVAL)]
    finally:
        server.close()


def test_nonblocking_handshake_proceeds_through_poll(select, emu, material):
    # asyncio's open_connection(ssl=...): a non-blocking socket, a deferred handshake, and
    # writes and reads that return None until poll says the protocol can go on.
    first_write_done = threading.Event()

    def answer_late(conn):
        first_write_done.wait(PEER_TIMEOUT)  # the server's reply comes only after that write
        echo_lines(server_context(material.leaf).wrap_socket(conn, server_side=True))

    server = TlsServer(None, answer_late, handshake=False)
    try:
        tls = script_modules()["tls"]
        context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(material.ca_der)
        s = emu.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", server.port))
        except OSError as error:
            assert error.args[0] == 115  # EINPROGRESS
        t = context.wrap_socket(s, server_hostname=HOST, do_handshake_on_connect=False)
        poller = select.poll()
        poller.register(t, POLLOUT)
        assert poller.poll(PEER_MS) == [(t, POLLOUT)]  # the TCP socket can take the hello
        message = b"through the handshake"
        assert t.write(message) is None  # the hello went out; the reply has not come
        # Now a write waits for the server: poll for POLLOUT watches for its reply.
        assert poller.poll(200) == []
        first_write_done.set()
        written = None
        rounds = 0
        while written is None:
            rounds += 1
            assert rounds < 50
            assert poller.poll(PEER_MS)
            written = t.write(message)
        assert written == len(message)
        poller.modify(t, POLLIN)
        echoed = b""
        while len(echoed) < len(message):
            assert poller.poll(PEER_MS)
            chunk = t.read(100)
            if chunk:
                echoed += chunk
        assert echoed == message
        assert t.cipher()[1] == "TLSv1.2"
        t.close()
    finally:
        server.close()


def test_a_failed_nonblocking_handshake_raises_from_the_call_that_met_it(select, emu, material):
    server = TlsServer(server_context(material.untrusted), echo_lines)
    try:
        tls = script_modules()["tls"]
        context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(material.ca_der)
        s = emu.socket()
        s.connect(("127.0.0.1", server.port))
        s.setblocking(False)
        t = context.wrap_socket(s, server_hostname=HOST, do_handshake_on_connect=False)
        poller = select.poll()
        poller.register(t, POLLIN | POLLOUT)
        with pytest.raises(ValueError, match="not correctly signed"):
            for _ in range(50):
                poller.poll(PEER_MS)
                t.write(b"x")
        # From then on the socket is dead: poll says so, and calls raise mbedTLS's code.
        assert poller.poll(0) == [(t, POLLNVAL)]
        with pytest.raises(OSError) as caught:
            t.read(1)
        assert caught.value.args == (-9984, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED")
        s.close()
    finally:
        server.close()
