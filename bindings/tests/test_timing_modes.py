"""Timing modes (docs/firmware-behaviour.md, "Blocking, timeouts and non-blocking"):
settimeout, setblocking, MSG_DONTWAIT, for each blocking call; SO_RCVTIMEO/SO_SNDTIMEO in
milliseconds where the socket module has them (the desktop profile)."""

import socket as native
import threading
import time

import pytest

from native_peers import PEER_TIMEOUT, free_port


def errno_of(call, *args):
    with pytest.raises(OSError) as info:
        call(*args)
    return info.value.errno


def elapsed(call, *args):
    start = time.monotonic()
    try:
        call(*args)
    except OSError:
        pass
    return time.monotonic() - start


def test_settimeout_values(emu):
    s = emu.socket()
    s.settimeout(None)
    assert "timeout=4294967295" in repr(s)
    s.settimeout(0)
    assert "timeout=0 " in repr(s)
    s.settimeout(2.5)
    assert "timeout=2500 " in repr(s)
    s.settimeout(0.0009)  # stored in whole milliseconds: 0, non-blocking
    assert "timeout=0 " in repr(s)
    s.setblocking(True)
    assert "timeout=4294967295" in repr(s)
    s.setblocking(False)
    assert "timeout=0 " in repr(s)
    s.close()


def test_rcvtimeo_in_milliseconds_and_zero_blocks(desktop, native_server):
    server = native_server(lambda conn: conn.recv(1))
    s = desktop.socket()
    s.connect(server.address)
    s.setsockopt(desktop.SOL_SOCKET, desktop.SO_RCVTIMEO, 150)
    assert 0.14 <= elapsed(s.recv, 1) < 2
    assert errno_of(s.recv, 1) == 110
    s.setsockopt(desktop.SOL_SOCKET, desktop.SO_RCVTIMEO, 0)
    assert "timeout=4294967295" in repr(s)
    s.close()


def test_camera_profiles_have_no_timeout_options(emu, native_server, capsys):
    """modlwip has no SO_RCVTIMEO/SO_SNDTIMEO: the names are missing, and the numbers are an
    unknown option (a warning, no timeout)."""
    assert not hasattr(emu, "SO_RCVTIMEO") and not hasattr(emu, "SO_SNDTIMEO")
    server = native_server(lambda conn: conn.recv(1))
    s = emu.socket()
    s.connect(server.address)
    assert s.setsockopt(emu.SOL_SOCKET, 0x1006, 150) is None
    assert capsys.readouterr().out == "Warning: lwip.setsockopt() not implemented\n"
    assert "timeout=4294967295" in repr(s)
    s.settimeout(0)
    assert errno_of(s.recv, 1) == 11
    s.close()


def test_sndtimeo_applies_to_sends_only(desktop, native_server):
    server = native_server(lambda conn: time.sleep(3))  # never reads
    s = desktop.socket()
    s.connect(server.address)
    s.setsockopt(desktop.SOL_SOCKET, desktop.SO_SNDTIMEO, 100)
    assert "timeout=4294967295" in repr(s)  # the receive timeout is untouched
    chunk = b"z" * 65536
    with pytest.raises(OSError) as info:
        for _ in range(20000):
            s.send(chunk)
    assert info.value.errno == 110
    s.close()


def test_accept_timing(emu):
    l = emu.socket()
    l.bind(("127.0.0.1", free_port()))
    l.listen(1)
    l.settimeout(0)
    assert errno_of(l.accept) == 11
    l.settimeout(0.1)
    assert errno_of(l.accept) == 110
    l.close()


def test_connect_timing(emu, echo_server):
    import mpsock

    mpsock._mpsock.set_conditions(latency_ms=30)  # a handshake slower than connect's one poll
    s = emu.socket()
    s.setblocking(False)
    assert errno_of(s.connect, echo_server.address) == 115
    assert errno_of(s.connect, echo_server.address) in (114, 106)  # EALREADY, or EISCONN once done
    s.close()


def test_dontwait_on_blocking_sockets(emu, echo_server):
    s = emu.socket()
    s.connect(echo_server.address)
    assert errno_of(s.recv, 4, emu.MSG_DONTWAIT) == 11
    u = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    assert errno_of(u.recvfrom, 4, emu.MSG_DONTWAIT) == 11
    assert errno_of(u.recv, 4, emu.MSG_DONTWAIT | emu.MSG_PEEK) == 11
    s.close()
    u.close()


def test_udp_recv_timeout(emu):
    u = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    u.settimeout(0.1)
    assert errno_of(u.recv, 4) == 110
    assert errno_of(u.recvfrom, 4) == 110
    u.settimeout(0)
    assert errno_of(u.recv, 4) == 11
    u.close()


def test_stream_read_times_out_and_loses_partial_data(emu, native_server):
    server = native_server(lambda conn: (conn.sendall(b"abc"), time.sleep(1)))
    s = emu.socket()
    s.connect(server.address)
    s.settimeout(0.2)
    # mp_stream_rw: an error other than EAGAIN is raised, and what was read is lost.
    assert errno_of(s.read, 10) == 110
    s.close()


def test_sendto_on_tcp_ignores_the_address(emu, echo_server):
    s = emu.socket()
    s.connect(echo_server.address)
    assert s.sendto(b"via sendto", ("10.9.9.9", 1)) == 10
    assert s.recv(20) == b"via sendto"
    s.close()


def test_sendall_timeout_is_per_chunk_not_per_call(emu):
    # modlwip's sendall loops lwip_tcp_send, each wait for room under the socket's timeout: a
    # peer that reads slowly but steadily lets a sendall run far longer than the timeout.
    listener = native.socket()
    listener.setsockopt(native.SOL_SOCKET, native.SO_RCVBUF, 2048)  # a small window
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(PEER_TIMEOUT)
    received = []

    def slow_reader():
        conn, _ = listener.accept()
        conn.settimeout(PEER_TIMEOUT)
        total = 0
        while total < 40000:
            chunk = conn.recv(2000)
            if not chunk:
                break
            total += len(chunk)
            time.sleep(0.05)
        received.append(total)
        conn.close()

    reader = threading.Thread(target=slow_reader, daemon=True)
    reader.start()
    s = emu.socket()
    s.connect(listener.getsockname())
    s.settimeout(0.4)
    start = time.monotonic()
    s.sendall(bytes(40000))
    assert time.monotonic() - start > 0.4  # longer than the timeout, and no ETIMEDOUT
    reader.join(PEER_TIMEOUT)
    assert received == [40000]
    s.close()
    listener.close()
