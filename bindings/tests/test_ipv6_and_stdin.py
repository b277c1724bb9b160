"""IPv6 tuples over ::1 where the profile has IPv6, and host descriptors such as sys.stdin in
a poller, as on the unix port."""

import socket as native
import subprocess
import sys

import pytest

from native_peers import PEER_TIMEOUT


def test_ipv6_tcp_over_loopback(desktop):
    listener = native.socket(native.AF_INET6)
    listener.bind(("::1", 0))
    listener.listen(1)
    listener.settimeout(PEER_TIMEOUT)
    port = listener.getsockname()[1]
    s = desktop.socket(desktop.AF_INET6, desktop.SOCK_STREAM)
    s.connect(("::1", port, 0, 0))
    conn, address = listener.accept()
    conn.sendall(b"six")
    assert s.recv(10) == b"six"
    assert s.getpeername() == ("::1", port)
    conn.close()
    s.close()
    listener.close()


def test_ipv6_udp_and_two_tuples(desktop):
    peer = native.socket(native.AF_INET6, native.SOCK_DGRAM)
    peer.bind(("::1", 0))
    peer.settimeout(PEER_TIMEOUT)
    s = desktop.socket(desktop.AF_INET6, desktop.SOCK_DGRAM)
    s.bind(("::1", 0))
    s.sendto(b"v6", ("::1", peer.getsockname()[1]))
    data, address = peer.recvfrom(10)
    assert data == b"v6"
    peer.sendto(b"back", address)
    s.settimeout(PEER_TIMEOUT)
    got, source = s.recvfrom(10)
    assert got == b"back" and source == ("::1", peer.getsockname()[1])  # returned as a 2-tuple
    s.close()
    peer.close()


def test_flowinfo_must_be_zero(desktop):
    s = desktop.socket(desktop.AF_INET6, desktop.SOCK_DGRAM)
    with pytest.raises(ValueError):
        s.bind(("::1", 0, 1, 0))
    s.close()


def test_no_ipv6_on_camera_profiles(emu):
    s = emu.socket(emu.AF_INET6, emu.SOCK_STREAM)
    with pytest.raises(ValueError):
        s.connect(("::1", 80))
    with pytest.raises((TypeError, ValueError)):
        s.connect(("::1", 80, 0, 0))
    s.close()


def test_stdin_in_a_poller(run_micropython):
    script = (
        "import select, sys\n"
        "p = select.poll()\n"
        "p.register(sys.stdin, select.POLLIN)\n"
        "print('idle', p.poll(50))\n"
        "print('ready', len(p.poll(5000)))\n"
        "print(sys.stdin.readline().strip())\n"
    )
    process = subprocess.Popen(["mpsock-micropython", "-c", script], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "idle []\n"
        process.stdin.write("typed line\n")
        process.stdin.flush()
        assert process.stdout.readline() == "ready 1\n"
        assert process.stdout.readline() == "typed line\n"
    finally:
        process.stdin.close()
        process.wait(30)
        process.stdout.close()
        process.stderr.close()
