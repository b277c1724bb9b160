"""Data through the Python layer, against native CPython peers on loopback."""

import socket as native
import threading
import time

import pytest

import mpsock

from native_peers import PEER_TIMEOUT, free_port


def test_echo_round_trip(emu, echo_server):
    s = emu.socket()
    s.connect(echo_server.address)
    s.sendall(b"hello camera")
    assert s.recv(100) == b"hello camera"
    s.close()


def test_recv_is_one_segment(emu, native_server):
    sent = threading.Event()

    def burst(conn):
        conn.sendall(b"x" * 5000)
        sent.set()
        conn.recv(1)

    server = native_server(burst)
    s = emu.socket()
    s.connect(server.address)
    assert sent.wait(PEER_TIMEOUT)
    sizes = []
    while sum(sizes) < 5000:
        sizes.append(len(s.recv(100000)))
    assert max(sizes) == 800 and sum(sizes) == 5000
    s.close()


def test_short_send_at_the_send_buffer(emu, native_server):
    server = native_server(lambda conn: conn.recv(1))
    s = emu.socket()
    s.connect(server.address)
    assert s.send(b"y" * 100000) == 6400
    s.close()


def test_read_readinto_readline_write(emu, native_server):
    def talk(conn):
        conn.sendall(b"line one\nline two\n0123456789")
        conn.sendall(conn.recv(100))
        conn.close()

    server = native_server(talk)
    s = emu.socket()
    s.connect(server.address)
    assert s.makefile("rwb", 0) is s
    assert s.readline() == b"line one\n"
    assert s.readline(4) == b"line"
    assert s.read(6) == b" two\n0"
    buf = bytearray(4)
    assert s.readinto(buf) == 4 and buf == b"1234"
    assert s.readinto(buf, 2) == 2 and buf[:2] == b"56"
    assert s.write(b"echoed", 1, 4) == 4
    assert s.read(3) == b"789"
    assert s.read(4) == b"choe"
    assert s.read() == b""
    s.close()


def test_non_blocking_stream_methods_return_none(emu, native_server):
    server = native_server(lambda conn: conn.recv(1))
    s = emu.socket()
    s.connect(server.address)
    s.setblocking(False)
    assert s.read(10) is None
    assert s.readline() is None
    assert s.readinto(bytearray(4)) is None
    s.close()


def test_peek_and_dontwait(emu, native_server):
    server = native_server(lambda conn: (conn.sendall(b"peek"), conn.recv(1)))
    s = emu.socket()
    s.connect(server.address)
    s.settimeout(PEER_TIMEOUT)
    assert s.recv(10, emu.MSG_PEEK) == b"peek"
    assert s.recv(10) == b"peek"
    with pytest.raises(OSError) as info:
        s.recv(10, emu.MSG_DONTWAIT)
    assert info.value.errno == 11
    s.close()


def test_accept_from_native_client(emu):
    server = emu.socket()
    server.setsockopt(emu.SOL_SOCKET, emu.SO_REUSEADDR, 1)
    port = free_port()
    server.bind(("127.0.0.1", port))
    server.listen(2)
    client = native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT)
    server.settimeout(PEER_TIMEOUT)
    conn, address = server.accept()
    assert address == ("127.0.0.1", client.getsockname()[1])
    assert "timeout=5000" in repr(conn)  # inherited from the listener
    client.sendall(b"hi")
    assert conn.recvfrom(10) == (b"hi", address)
    conn.close()
    client.close()
    server.close()


def test_udp_round_trip_and_truncation(emu):
    peer = native.socket(native.AF_INET, native.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(PEER_TIMEOUT)
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    assert s.sendto(b"ping", peer.getsockname()) == 4
    data, address = peer.recvfrom(100)
    assert data == b"ping"
    peer.sendto(b"0123456789", address)
    peer.sendto(b"second", address)
    s.settimeout(PEER_TIMEOUT)
    assert s.recv(4) == b"0123"
    assert s.recvfrom(100) == (b"second", peer.getsockname())
    s.close()
    peer.close()


@pytest.mark.parametrize("profile", ["openmv-rt1062", "desktop"])
def test_udp_addresses_follow_each_call(profile):
    # A socket remembers its last destination and last sender to skip their conversion; the
    # same host object with another port, the other peer, a list and a bytes host must each
    # still go, and come back, where they say.
    from mpsock.modules import socket_module

    mpsock.use_profile(profile)
    emu = socket_module()
    peers = []
    for _ in range(2):
        peer = native.socket(native.AF_INET, native.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(PEER_TIMEOUT)
        peers.append(peer)
    host = "127.0.0.1"
    ports = [peer.getsockname()[1] for peer in peers]
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(PEER_TIMEOUT)
    sends = [
        ((host, ports[0]), 0),
        ((host, ports[0]), 0),
        ((host, ports[1]), 1),  # the same host object, another port
        ([host, ports[0]], 0),  # a list
        ((b"127.0.0.1", ports[1]), 1),  # a bytes host
        ((host, ports[1]), 1),
        ((host, ports[0] + 65536 * 2**64), None),  # a port too big to be any port
    ]
    for i, (address, to) in enumerate(sends):
        if to is None:
            with pytest.raises((OverflowError, ValueError)):
                s.sendto(b"x", address)
            continue
        assert s.sendto(b"n%d" % i, address) == 2
        data, sender = peers[to].recvfrom(10)
        assert data == b"n%d" % i
        peers[to].sendto(b"r%d" % i, sender)
        assert s.recvfrom(10) == (b"r%d" % i, ("127.0.0.1", ports[to]))
    s.close()
    for peer in peers:
        peer.close()


def test_udp_queue_drops_beyond_four(emu):
    peer = native.socket(native.AF_INET, native.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.sendto(b"hello", peer.getsockname())
    _, address = peer.recvfrom(10)
    for i in range(6):
        peer.sendto(b"d%d" % i, address)
    time.sleep(0.05)
    s.setblocking(False)
    got = []
    while True:
        try:
            got.append(s.recv(10))
        except OSError as error:
            assert error.errno == 11
            break
    assert got == [b"d0", b"d1", b"d2", b"d3"]
    s.close()
    peer.close()


def test_poll_object(emu, native_server):
    select = __import__("mpsock")._mpsock.select
    server = native_server(lambda conn: (time.sleep(0.1), conn.sendall(b"late"), conn.recv(1)))
    s = emu.socket()
    s.connect(server.address)
    poller = select.poll()
    poller.register(s, select.POLLIN)
    assert poller.poll(0) == []
    ready = poller.poll(int(PEER_TIMEOUT * 1000))
    assert ready == [(s, select.POLLIN)]
    poller.modify(s, select.POLLOUT)
    assert list(poller.ipoll(0, 1)) == [(s, select.POLLOUT)]
    assert list(poller.ipoll(0, 1)) == []  # one-shot: disarmed until modify
    poller.unregister(s)
    poller.unregister(s)
    with pytest.raises(OSError) as info:
        poller.modify(s, select.POLLIN)
    assert info.value.errno == 2
    with pytest.raises(OSError):
        poller.register(object())
    r, w, x = select.select([s], [s], [], 0)
    assert r == [s] and w == [s] and x == []
    s.close()


def test_new_socket_polls_hup_and_out(emu):
    select = __import__("mpsock")._mpsock.select
    s = emu.socket()
    poller = select.poll()
    poller.register(s)
    assert poller.poll(0) == [(s, 20)]
    s.close()
    assert poller.poll(0) == [(s, 32)]


def test_udp_payload_over_65535_is_cut_to_65535(desktop):
    # lwip_udp_send cuts the length to 0xffff before pbuf_alloc; only a heap as large as the
    # desktop profile's gets that far (a camera's MEM_SIZE gives ENOMEM first).
    s = desktop.socket(desktop.AF_INET, desktop.SOCK_DGRAM)
    assert s.sendto(bytes(70000), ("127.0.0.1", 9)) == 65535
    assert s.sendto(bytes(65535), ("127.0.0.1", 9)) == 65535
    s.close()


def test_ports_0_and_65535_are_in_range(emu):
    # The emulator refuses ports outside 0-65535 (README; lwIP would truncate), not the ends.
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    assert s.sendto(b"x", ("127.0.0.1", 65535)) == 1
    with pytest.raises(ValueError):
        s.sendto(b"x", ("127.0.0.1", 65536))
    s.close()


# (profile, where the server binds, the family its clients use)
PEER_ADDRESS_SERVERS = [
    ("openmv-rt1062", "0.0.0.0", native.AF_INET),
    ("openmv-rt1062", "127.0.0.1", native.AF_INET),
    ("desktop", "0.0.0.0", native.AF_INET),
    ("desktop", "::ffff:0.0.0.0", native.AF_INET),
    ("desktop", "::", native.AF_INET6),
]


@pytest.mark.parametrize("shaped", [False, True], ids=["clean", "latency"])
@pytest.mark.parametrize("profile,host,family", PEER_ADDRESS_SERVERS)
def test_accept_and_recvfrom_report_the_peers_own_address(profile, host, family, shaped):
    # A client from 127.0.0.2 is reported as 127.0.0.2, not as the address it connected to.
    import mpsock

    mpsock.use_profile(profile)
    if shaped:
        mpsock._mpsock.set_conditions(latency_ms=10.0)
    module = mpsock._mpsock.lwip_desktop if profile == "desktop" else mpsock._mpsock.lwip
    port = free_port()
    server = module.socket(module.AF_INET6 if ":" in host else module.AF_INET, module.SOCK_STREAM)
    server.bind((host, port))
    server.listen(2)
    server.settimeout(PEER_TIMEOUT)
    sources = ["127.0.0.2", "127.0.0.3", "127.0.0.1"] if family == native.AF_INET else ["::1"]
    for source in sources:
        client = native.socket(family, native.SOCK_STREAM)
        client.settimeout(PEER_TIMEOUT)
        client.bind((source, 0))
        client.connect(("127.0.0.1" if family == native.AF_INET else "::1", port))
        conn, peer = server.accept()
        assert peer == client.getsockname()[:2]
        client.sendall(b"x")
        conn.settimeout(PEER_TIMEOUT)
        assert conn.recvfrom(1) == (b"x", peer)
        conn.close()
        client.close()
    server.close()


def test_recvfrom_reports_a_datagrams_own_sender(emu):
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    port = free_port()
    s.bind(("0.0.0.0", port))
    s.settimeout(PEER_TIMEOUT)
    for source in ("127.0.0.2", "127.0.0.1"):
        sender = native.socket(native.AF_INET, native.SOCK_DGRAM)
        sender.bind((source, 0))
        sender.sendto(b"hi", ("127.0.0.1", port))
        assert s.recvfrom(8) == (b"hi", sender.getsockname())
        sender.close()
    s.close()
