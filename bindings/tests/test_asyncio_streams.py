"""asyncio's streams on the emulated sockets, against native CPython peers: open_connection,
start_server and its Server, the Stream methods, errors as the emulated sockets' OSError(errno),
a peer that resets or closes mid-read, the camera's limits, and `0.0.0.0` meaning loopback."""

import ipaddress
import socket as native
import struct
import threading
import time

import pytest
from kernel_sockets import host_addresses, tcp_listeners
import mpsock
from mpsock import modasyncio, signals
from native_peers import PEER_TIMEOUT, free_port

ECONNRESET, ENOMEM = 104, 12
LOOPBACK = ipaddress.ip_address("127.0.0.1")
WILDCARD = ipaddress.ip_address("0.0.0.0")


@pytest.fixture
def asyncio(emu):
    signals.install()  # so a hung loop is ended by the test's timeout
    return modasyncio.make_module()


def reset(conn):
    """Closes with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    conn.setsockopt(native.SOL_SOCKET, native.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def run_bounded(asyncio, coro, seconds=PEER_TIMEOUT * 2):
    """asyncio.run, failing with TimeoutError (not hanging) if the script's loop stalls."""

    async def bounded():
        return await asyncio.wait_for(coro, seconds)

    return asyncio.run(bounded())


# ---- open_connection and the Stream methods ----


def test_stream_reads_and_writes(asyncio, native_server):
    def peer(conn):
        assert conn.recv(100) == b"hello\n"
        conn.sendall(b"line one\nline two\nexactly12345rest")
        conn.recv(100)  # until the script closes

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        assert reader is writer  # one Stream for both
        writer.write(b"hello\n")
        await writer.drain()
        lines = [await reader.readline(), await reader.readline()]
        exact = await reader.readexactly(12)
        buf = bytearray(16)
        count = await reader.readinto(buf)
        await writer.aclose()
        return lines, exact, bytes(buf[:count])

    assert run_bounded(asyncio, main()) == ([b"line one\n", b"line two\n"], b"exactly12345", b"rest")


def test_read_n_and_read_to_eof(asyncio, native_server):
    def peer(conn):
        conn.sendall(b"first")
        time.sleep(0.1)
        conn.sendall(b"x" * 20000)
        conn.close()

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        first = await reader.read(100)
        rest = await reader.read()  # to EOF
        after = await reader.read(10)
        await writer.wait_closed()
        return first, len(rest), after

    assert run_bounded(asyncio, main()) == (b"first", 20000, b"")


def test_bulk_transfer_beyond_the_camera_send_buffer(asyncio, native_server):
    # The RT1062's send buffer is 6400 bytes: write() keeps the rest and drain() sends it.
    payload = bytes(range(256)) * 400  # 102400 bytes
    received = []

    def peer(conn):
        data = b""
        while len(data) < len(payload):
            piece = conn.recv(65536)
            if not piece:
                break
            data += piece
        received.append(data)
        conn.sendall(data)
        conn.close()

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(payload)
        # write() sends what the send buffer takes now and keeps the rest for drain(). The buffer
        # frees as the peer's ACKs come back, which on loopback can be during the write itself,
        # so all of it may go at once; at least a buffer's worth always does.
        assert len(writer.out_buf) <= len(payload) - 6400
        await writer.drain()
        assert writer.out_buf == b""
        echoed = await reader.readexactly(len(payload))
        await writer.aclose()
        return echoed

    assert run_bounded(asyncio, main()) == payload
    assert received == [payload]


def test_awrite_with_offset_and_size_and_str(asyncio, native_server):
    got = []

    def peer(conn):
        data = b""
        while not data.endswith(b"!"):
            data += conn.recv(100)
        got.append(data)

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        await writer.awrite(b"0123456789", 2, 3)
        await writer.awrite(b"abc", 1)
        await writer.awritestr("str!")
        await asyncio.sleep_ms(50)
        await writer.aclose()

    run_bounded(asyncio, main())
    assert got == [b"234bcstr!"]


def test_readexactly_raises_eoferror_when_the_peer_closes_early(asyncio, native_server):
    def peer(conn):
        conn.sendall(b"short")
        conn.close()

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        with pytest.raises(EOFError):
            await reader.readexactly(100)
        await writer.aclose()
        return True

    assert run_bounded(asyncio, main())


def test_peer_closing_mid_line_gives_the_partial_line_then_empty(asyncio, native_server):
    def peer(conn):
        conn.sendall(b"no newline")
        conn.close()

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        lines = [await reader.readline(), await reader.readline()]
        await writer.aclose()
        return lines

    assert run_bounded(asyncio, main()) == [b"no newline", b""]


def test_peer_reset_mid_read_raises_econnreset_once_then_eof(asyncio, native_server):
    def peer(conn):
        conn.sendall(b"partial")
        time.sleep(0.1)
        reset(conn)

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        first = await reader.read(100)
        with pytest.raises(OSError) as info:
            await reader.read(100)
        assert type(info.value) is OSError  # a plain OSError, as on the camera
        later = await reader.read(100)
        await writer.aclose()
        return first, info.value.errno, later

    assert run_bounded(asyncio, main()) == (b"partial", ECONNRESET, b"")


def test_writing_to_a_reset_connection_raises_its_errno(asyncio, native_server):
    def peer(conn):
        # After open_connection has returned: a reset within the connect's one wait for the
        # handshake (v1.24) would fail the connect itself.
        time.sleep(0.05)
        reset(conn)

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        await asyncio.sleep_ms(200)  # the reset has arrived
        with pytest.raises(OSError) as info:
            writer.write(b"too late")
            await writer.drain()
        await writer.aclose()
        return info.value.errno

    assert run_bounded(asyncio, main()) == ECONNRESET


def test_a_refused_connect_fails_open_connection(asyncio):
    # Since v1.24 a non-blocking connect waits once for the handshake: on a fast link the
    # peer's RST is back within that wait, so open_connection itself raises, with ECONNRESET
    # (lwIP's ERR_RST), not ECONNREFUSED.
    port = free_port()

    async def main():
        with pytest.raises(OSError) as info:
            await asyncio.open_connection("127.0.0.1", port)
        return info.value.errno

    assert run_bounded(asyncio, main()) == ECONNRESET


def test_a_refused_connect_on_a_slow_link_shows_at_the_first_read(asyncio):
    # On a link slower than the connect's wait the connect is still in progress when
    # open_connection returns; the reset shows at the stream's first read.
    mpsock._mpsock.set_conditions(latency_ms=20)
    port = free_port()

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        with pytest.raises(OSError) as info:
            await reader.read(10)
        await writer.aclose()
        return info.value.errno

    assert run_bounded(asyncio, main()) == ECONNRESET


def test_open_connection_with_an_unresolvable_name(asyncio):
    async def main():
        with pytest.raises(OSError) as info:
            await asyncio.open_connection("no-such-host.invalid", 80)
        return info.value.errno

    assert run_bounded(asyncio, main()) == -2


def test_the_camera_socket_limit_fails_open_connection_with_enomem(asyncio, native_server):
    server = native_server(lambda conn: conn.recv(1), backlog=16)

    async def main():
        streams = []
        with pytest.raises(OSError) as info:
            for _ in range(10):
                streams.append(await asyncio.open_connection("127.0.0.1", server.port))
        for _, writer in streams:
            await writer.aclose()
        return len(streams), info.value.errno

    assert run_bounded(asyncio, main()) == (5, ENOMEM)  # the RT1062 has 5 TCP sockets


def test_only_accepted_streams_know_their_peername(asyncio, native_server):
    server = native_server(lambda conn: conn.recv(1))

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        with pytest.raises(KeyError):
            writer.get_extra_info("peername")
        await writer.aclose()
        return True

    assert run_bounded(asyncio, main())


def test_close_does_nothing_and_wait_closed_closes(asyncio, native_server):
    seen = []

    def peer(conn):
        conn.settimeout(0.3)
        try:
            seen.append(conn.recv(10))
        except OSError:
            seen.append("nothing yet")
        conn.settimeout(PEER_TIMEOUT)
        seen.append(conn.recv(10))

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.close()
        await asyncio.sleep_ms(1000)  # still open (the peer looked after 0.3 s)
        await writer.wait_closed()
        await asyncio.sleep_ms(100)

    run_bounded(asyncio, main())
    assert seen == ["nothing yet", b""]


def test_a_cancelled_reader_leaves_the_stream_usable(asyncio, native_server):
    def peer(conn):
        time.sleep(0.3)
        conn.sendall(b"late")
        conn.recv(1)

    server = native_server(peer)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        task = asyncio.create_task(reader.read(10))
        await asyncio.sleep_ms(20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        data = await reader.read(10)
        await writer.aclose()
        return data

    assert run_bounded(asyncio, main()) == b"late"


def test_wait_for_a_read_that_never_comes(asyncio, native_server):
    server = native_server(lambda conn: conn.recv(1))

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        start = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for_ms(reader.read(10), 100)
        waited = time.monotonic() - start
        await writer.aclose()
        return waited

    assert 0.09 < run_bounded(asyncio, main()) < 3


# ---- start_server and Server ----


def native_client(port, request, reply_size):
    with native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as conn:
        conn.sendall(request)
        data = b""
        while len(data) < reply_size:
            piece = conn.recv(4096)
            if not piece:
                break
            data += piece
        return data


def in_thread(function, *args):
    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args)), daemon=True)
    thread.start()
    return thread, result


def test_server_serves_native_clients(asyncio):
    port = free_port()
    peers = []

    async def handle(reader, writer):
        peers.append(writer.get_extra_info("peername"))
        line = await reader.readline()
        await writer.awrite(b"echo " + line)
        await writer.aclose()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        threads = [in_thread(native_client, port, b"client %d\n" % i, 20) for i in range(3)]
        while any(thread.is_alive() for thread, _ in threads):
            await asyncio.sleep_ms(10)
        server.close()
        await server.wait_closed()
        return sorted(result[0] for _, result in threads)

    replies = run_bounded(asyncio, main())
    assert replies == [b"echo client 0\n", b"echo client 1\n", b"echo client 2\n"]
    assert len(peers) == 3 and all(peer[0] == "127.0.0.1" and isinstance(peer[1], int) for peer in peers)
    with pytest.raises(ConnectionRefusedError):  # closed: nothing listens any more
        native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT)


def test_server_async_with_closes_it(asyncio):
    port = free_port()

    async def handle(reader, writer):
        await writer.aclose()

    async def main():
        async with await asyncio.start_server(handle, "127.0.0.1", port) as server:
            listening = tcp_listeners(port)
        return server.task.done(), listening, tcp_listeners(port)

    done, during, after = run_bounded(asyncio, main())
    assert done and during == {LOOPBACK} and after == set()


def test_server_task_cancelled_from_outside_raises_cancellederror(asyncio):
    port = free_port()

    async def handle(reader, writer):
        await writer.aclose()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        server.task.cancel()  # not close(): the task was cancelled by someone else
        with pytest.raises(asyncio.CancelledError):
            await server.wait_closed()
        return tcp_listeners(port)

    assert run_bounded(asyncio, main()) == set()  # the listening socket is closed either way


def test_server_on_the_wildcard_listens_on_loopback_only(asyncio):
    port = free_port()

    async def handle(reader, writer):
        await writer.awrite(b"hi")
        await writer.aclose()

    async def main():
        server = await asyncio.start_server(handle, "0.0.0.0", port)
        listening = tcp_listeners(port)
        thread, reply = in_thread(native_client, port, b"", 2)
        refused = []
        for address in host_addresses():
            try:
                native.create_connection((address, port), timeout=PEER_TIMEOUT).close()
            except ConnectionRefusedError:
                refused.append(address)
        while thread.is_alive():
            await asyncio.sleep_ms(10)
        server.close()
        await server.wait_closed()
        return listening, reply, refused

    listening, reply, refused = run_bounded(asyncio, main())
    assert listening == {LOOPBACK}
    assert reply == [b"hi"]
    assert refused == host_addresses()


def test_a_handler_that_is_no_coroutine_is_reported(asyncio):
    port = free_port()
    seen = []

    def not_async(reader, writer):
        pass

    async def main():
        asyncio.get_event_loop().set_exception_handler(
            lambda loop, context: seen.append(context["exception"])
        )
        server = await asyncio.start_server(not_async, "127.0.0.1", port)
        native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT).close()
        for _ in range(50):
            if server.task.done():
                break
            await asyncio.sleep_ms(10)
        return server.task.done()

    # The serving task fails with create_task's TypeError, reported as unretrieved.
    assert run_bounded(asyncio, main()) is True
    assert len(seen) == 1 and isinstance(seen[0], TypeError)


def test_start_server_on_a_port_in_use(asyncio):
    holder = native.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]

    async def handle(reader, writer):
        pass

    async def main():
        with pytest.raises(OSError) as info:
            await asyncio.start_server(handle, "127.0.0.1", port)
        return info.value.errno

    try:
        assert run_bounded(asyncio, main()) == 98  # EADDRINUSE
    finally:
        holder.close()


# ---- A Stream over any pollable non-blocking stream (the contract a TLS socket keeps) ----


class NonBlockingPipe:
    """Not an emulated socket: a native socket with MicroPython's non-blocking stream methods
    (read, readinto, readline and write give None when they would block), pollable through
    fileno(), as a wrapped TLS socket is. Stream must need no more than that."""

    def __init__(self, sock):
        self.sock = sock
        sock.setblocking(False)

    def fileno(self):
        return self.sock.fileno()

    def read(self, n=-1):
        try:
            return self.sock.recv(65536 if n < 0 else n)
        except BlockingIOError:
            return None

    def readinto(self, buf):
        try:
            return self.sock.recv_into(buf)
        except BlockingIOError:
            return None

    def readline(self):
        line = b""
        while not line.endswith(b"\n"):
            try:
                byte = self.sock.recv(1)
            except BlockingIOError:
                return line or None
            if not byte:
                break
            line += byte
        return line

    def write(self, buf):
        try:
            return self.sock.send(buf)
        except BlockingIOError:
            return None

    def close(self):
        self.sock.close()


def test_a_stream_over_any_pollable_non_blocking_stream(asyncio):
    ours, theirs = native.socketpair()
    theirs.settimeout(PEER_TIMEOUT)
    big = bytes(range(256)) * 4096  # 1 MiB: more than the pair's buffers take at once
    echoed = []

    def peer():
        data = b""
        while len(data) < len(big) + 6:
            data += theirs.recv(65536)
        echoed.append(data)
        theirs.sendall(b"line 1\nline 2\npartial")
        theirs.close()

    thread = threading.Thread(target=peer, daemon=True)
    thread.start()

    async def main():
        stream = asyncio.StreamWriter(NonBlockingPipe(ours))
        stream.write(b"hello\n")
        stream.write(big)  # the pipe fills: write() gives None, drain() waits for POLLOUT
        await stream.drain()
        lines = [await stream.readline(), await stream.readline()]
        buf = bytearray(4)
        count = await stream.readinto(buf)
        rest = await stream.read()
        await stream.aclose()
        return lines, bytes(buf[:count]), rest

    lines, start, rest = run_bounded(asyncio, main())
    thread.join(PEER_TIMEOUT)
    assert echoed == [b"hello\n" + big]
    assert lines == [b"line 1\n", b"line 2\n"] and start + rest == b"partial"
