"""asyncio's streams over TLS: open_connection(..., ssl=) and start_server(..., ssl=) with the
firmware's ssl module over the emulated sockets, against native CPython TLS peers made with a
test CA (trustme). The handshake runs on the stream's first read or write, driven by the loop's
poll, so other tasks keep running while it does."""

import socket as native
import threading

import pytest

import mpsock

pytest.register_assert_rewrite("mpsock.pytest_plugin")
from mpsock import modasyncio, modssl, modtls, signals  # noqa: E402
from mpsock.pytest_plugin import loaded_by_entry_point  # noqa: E402
from native_peers import PEER_TIMEOUT, free_port  # noqa: E402
from tls_peers import HOST, Material, TlsServer, client_context, echo_lines, server_context  # noqa: E402

pytest_plugins = [] if loaded_by_entry_point() else ["mpsock.pytest_plugin"]

MBEDTLS_ERR_SSL_INVALID_RECORD = -29184


@pytest.fixture(scope="module")
def material():
    return Material()


@pytest.fixture
def asyncio(emu):
    signals.install()  # so a hung loop is ended by the test's timeout
    mpsock.add_host(HOST, "127.0.0.1")
    yield modasyncio.make_module()
    mpsock.remove_host(HOST)


@pytest.fixture
def ssl():
    """The script's ssl module: the firmware's frozen wrapper over its tls module."""
    return modssl.make_module(modtls.make_module())


def run_bounded(asyncio, coro, seconds=PEER_TIMEOUT * 2):
    async def bounded():
        return await asyncio.wait_for(coro, seconds)

    return asyncio.run(bounded())


@pytest.fixture
def tls_echo(material):
    servers = []

    def start(**options):
        server = TlsServer(server_context(material.leaf, **options), echo_lines)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def test_open_connection_verified_round_trip_while_other_tasks_run(asyncio, ssl, material, tls_echo):
    server = tls_echo()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=material.ca_der)
    ticks = []

    async def ticker():
        while True:
            ticks.append(1)
            await asyncio.sleep_ms(1)

    async def main():
        other = asyncio.create_task(ticker())
        reader, writer = await asyncio.open_connection(HOST, server.port, ssl=context)
        writer.write(b"hello over tls\n")
        await writer.drain()
        line = await reader.readline()
        cipher = writer.s.cipher()
        await writer.aclose()
        other.cancel()
        return line, cipher

    line, cipher = run_bounded(asyncio, main())
    assert line == b"hello over tls\n"
    assert cipher[1] in ("TLSv1.2", "TLSv1.3")
    assert ticks  # the loop ran the other task while the handshake went on


def test_ssl_true_is_an_unverified_client_context(asyncio, tls_echo):
    server = tls_echo()

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port, ssl=True)
        await writer.awrite(b"unverified\n")
        line = await reader.readline()
        await writer.aclose()
        return line

    assert run_bounded(asyncio, main()) == b"unverified\n"


def test_server_hostname_is_checked_against_the_certificate(asyncio, ssl, material, tls_echo):
    server = tls_echo()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=material.ca_der)

    async def main():
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", server.port, ssl=context, server_hostname="other-name.example"
        )
        try:
            writer.write(b"x\n")
            await writer.drain()
            await reader.readline()
        finally:
            writer.close()

    # A failed verification is mbedTLS's text in a ValueError, as the firmware gives it.
    with pytest.raises(ValueError, match="Common Name"):
        run_bounded(asyncio, main())


def test_a_plain_tcp_server_fails_the_handshake_with_mbedtls_code(asyncio, native_server):
    def plain(conn):
        conn.recv(1024)  # the ClientHello
        conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\nnot tls\n")

    server = native_server(plain)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port, ssl=True)
        try:
            await writer.awrite(b"x")
            await reader.read(10)
        finally:
            writer.close()

    with pytest.raises(OSError) as caught:
        run_bounded(asyncio, main())
    assert caught.value.args[0] == MBEDTLS_ERR_SSL_INVALID_RECORD


def test_start_server_with_ssl_serves_native_tls_clients(asyncio, ssl, material):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(material.cert_der(material.leaf), material.key_der(material.leaf))
    answers = []
    ready = threading.Event()
    port = free_port()

    def clients():
        ready.wait(PEER_TIMEOUT)
        for n in range(2):
            with native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as raw:
                with client_context(ca=material.ca).wrap_socket(raw, server_hostname=HOST) as tls:
                    tls.sendall(b"ping %d\n" % n)
                    answers.append(tls.makefile("rb").readline())

    async def handle(reader, writer):
        line = await reader.readline()
        await writer.awrite(b"pong " + line.split()[1] + b"\n")
        await writer.aclose()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port, ssl=context)
        ready.set()
        while len(answers) < 2:
            await asyncio.sleep_ms(5)
        server.close()
        await server.wait_closed()

    thread = threading.Thread(target=clients, daemon=True)
    thread.start()
    run_bounded(asyncio, main())
    thread.join(PEER_TIMEOUT)
    assert answers == [b"pong 0\n", b"pong 1\n"]


def test_a_client_that_fails_the_handshake_does_not_stop_the_server(asyncio, ssl, material):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(material.cert_der(material.leaf), material.key_der(material.leaf))
    results = []
    ready = threading.Event()
    port = free_port()

    def clients():
        ready.wait(PEER_TIMEOUT)
        # A plain-text client: its handshake fails in the handler's first read.
        with native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as raw:
            raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
            try:
                raw.recv(100)
            except OSError:
                pass
        with native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as raw:
            with client_context(ca=material.ca).wrap_socket(raw, server_hostname=HOST) as tls:
                tls.sendall(b"after\n")
                results.append(tls.makefile("rb").readline())

    async def handle(reader, writer):
        try:
            line = await reader.readline()
            await writer.awrite(b"ok " + line)
        except (OSError, ValueError) as error:
            results.append(type(error).__name__)
        await writer.aclose()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port, ssl=context)
        ready.set()
        while len(results) < 2:
            await asyncio.sleep_ms(5)
        server.close()
        await server.wait_closed()

    thread = threading.Thread(target=clients, daemon=True)
    thread.start()
    run_bounded(asyncio, main())
    thread.join(PEER_TIMEOUT)
    assert results == ["OSError", b"ok after\n"]


# ---- As a camera script, under mpsock run ----

HTTPS_CLIENT = """
import asyncio, sys

async def main(host, port):
    reader, writer = await asyncio.open_connection(host, port, ssl=True)
    await writer.awrite(b"GET /status HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n" % host)
    status = await reader.readline()
    body = await reader.read()
    await writer.aclose()
    print(status.decode().strip(), len(body))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


@pytest.mark.parametrize(
    "conditions", [{}, {"latency": "30ms", "bandwidth": "4Mbit", "loss": "1%", "seed": 3}], ids=["default", "shaped"]
)
def test_an_asyncio_https_client_script(mpsock_run, tmp_path, material, conditions):
    def http(conn):
        request = b""
        while b"\r\n\r\n" not in request:
            piece = conn.recv(1024)
            if not piece:
                return
            request += piece
        body = b"x" * 20000
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        conn.unwrap()  # close_notify, so reading to the end is a clean end on the camera too

    server = TlsServer(server_context(material.leaf), http)
    try:
        path = tmp_path / "https_client.py"
        path.write_text(HTTPS_CLIENT)
        run = mpsock_run(str(path), HOST, server.port, hosts={HOST: "127.0.0.1"}, **conditions).check()
    finally:
        server.close()
    assert run.lines[-1].startswith("HTTP/1.0 200 OK")
    assert int(run.lines[-1].split()[-1]) >= 20000
