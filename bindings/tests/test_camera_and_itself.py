"""A camera cannot talk to itself: its lwIP has no loopback interface. Under the camera
profiles a connection or datagram from the script to a socket of the same emulated camera
fails as on the board (127.0.0.1: OSError(113) at once; the camera's own address: OSError(110)
at the timeout); 127.0.0.1 still reaches the desktop, and the desktop profile keeps loopback."""

import socket as native
import time

import pytest

import mpsock
from mpsock.modules import script_modules
from native_peers import echo, free_port


def own_server(module):
    port = free_port()
    server = module.socket()
    server.setsockopt(module.SOL_SOCKET, module.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(2)
    return server, port


def test_connecting_to_its_own_server_through_127_is_unreachable_at_once(emu):
    server, port = own_server(emu)
    client = emu.socket()
    client.settimeout(5)
    started = time.monotonic()
    with pytest.raises(OSError) as info:
        client.connect(("127.0.0.1", port))
    assert info.value.errno == 113  # EHOSTUNREACH: no route to 127.0.0.1 on the board
    assert time.monotonic() - started < 1
    client.close()
    server.close()


def test_the_desktop_still_reaches_the_server_and_127_still_reaches_the_desktop(emu, native_server):
    server, port = own_server(emu)
    server.settimeout(5)
    with native.create_connection(("127.0.0.1", port), timeout=5) as visitor:
        conn, _ = server.accept()
        visitor.sendall(b"hi")
        assert conn.recv(2) == b"hi"
        conn.close()
    upstream = native_server(echo)
    client = emu.socket()
    client.connect(upstream.address)
    client.sendall(b"echo")
    assert client.recv(4) == b"echo"
    client.close()
    server.close()


def test_connecting_to_its_own_address_times_out():
    """With a static address (as ifconfig sets it), the camera's own address is no loopback:
    lwIP sends the SYN out on the link and nothing answers."""
    mpsock.use_profile("openmv-rt1062")
    modules = script_modules()
    socket, network = modules["socket"], modules["network"]
    wlan = network.WLAN(network.STA_IF)
    wlan.ifconfig(("192.0.2.20", "255.255.255.0", "192.0.2.1", "192.0.2.1"))
    client = socket.socket()
    client.settimeout(0.3)
    started = time.monotonic()
    with pytest.raises(OSError) as info:
        client.connect(("192.0.2.20", 80))
    waited = time.monotonic() - started
    assert info.value.errno == 110
    assert 0.3 <= waited < 3
    client.close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    assert udp.sendto(b"lost", ("192.0.2.20", 5000)) == 4  # out on the link, never back
    udp.close()
    wlan.ifconfig("dhcp")


def test_a_datagram_to_its_own_port_is_unreachable(emu):
    receiver = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    port = free_port()
    receiver.bind(("127.0.0.1", port))
    sender = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    with pytest.raises(OSError) as info:
        sender.sendto(b"to myself", ("127.0.0.1", port))
    assert info.value.errno == 113
    desktop = native.socket(native.AF_INET, native.SOCK_DGRAM)
    desktop.bind(("127.0.0.1", 0))
    desktop.settimeout(5)
    assert sender.sendto(b"to the desktop", desktop.getsockname()) == 14
    assert desktop.recvfrom(64)[0] == b"to the desktop"
    for sock in (desktop, sender, receiver):
        sock.close()


def test_the_desktop_profile_has_loopback(desktop):
    server, port = own_server(desktop)
    client = desktop.socket()
    client.connect(("127.0.0.1", port))
    conn, _ = server.accept()
    client.send(b"self")
    assert conn.recv(4) == b"self"
    for sock in (conn, client, server):
        sock.close()


SELF_TALK = """
import socket
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", %d))
try:
    u.sendto(b"me", ("127.0.0.1", %d))
    print("sent to myself")
except OSError as e:
    print("sendto", e.args[0])
"""


@pytest.mark.parametrize(
    "profile, expected", [("openmv-rt1062", "sendto 113"), ("desktop", "sent to myself")]
)
def test_a_script_under_mpsock_run(run_mpsock, script, profile, expected):
    port = free_port()
    result = run_mpsock("run", "--profile", profile, script(SELF_TALK % (port, port)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [expected]
