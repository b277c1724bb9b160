"""Nothing mpsock starts listens beyond loopback unless the user asks (`--expose`): a script's
TCP server bound to the wildcard is bound to loopback on the host, as the kernel sees it; a
native client cannot reach it through this host's other addresses. The same holds for every
way of writing an address a script can bind: the wildcard in each spelling (0.0.0.0, 0, ::,
::ffff:0.0.0.0, ::ffff:0:0, with a zone), this host's own addresses (IPv4, IPv6, IPv4-mapped,
link-local with their zone), an address that is nobody's, broadcast and multicast. The same
over a LAN of network namespaces: test_loopback_only_lan.py."""

import ipaddress
import socket as native
import subprocess

import pytest
from kernel_sockets import (
    host_addresses,
    host_addresses6,
    reaches_only_loopback,
    tcp_listeners,
    udp_bindings,
    udp_bound_devices,
)
from native_peers import PEER_TIMEOUT, free_port

LOOPBACK = ipaddress.ip_address("127.0.0.1")
LOOPBACK6 = ipaddress.ip_address("::1")
WILDCARD = ipaddress.ip_address("0.0.0.0")


@pytest.mark.parametrize("host", ["0.0.0.0", ""])
def test_tcp_server_on_the_wildcard_listens_on_loopback_only(emu, host):
    port = free_port()
    server = emu.socket()
    server.bind((host, port))
    server.listen(1)
    assert tcp_listeners(port) == {LOOPBACK}
    server.close()


def test_listen_without_bind_listens_on_loopback_only(desktop):
    server = desktop.socket()
    server.listen(1)
    assert tcp_listeners(server.getsockname()[1]) == {LOOPBACK}
    server.close()


def test_ipv6_wildcard_listens_on_ipv6_loopback_only(desktop):
    server = desktop.socket(desktop.AF_INET6, desktop.SOCK_STREAM)
    server.bind(("::", 0))
    server.listen(1)
    assert tcp_listeners(server.getsockname()[1]) == {LOOPBACK6}
    server.close()


def test_other_host_addresses_cannot_reach_a_wildcard_server(emu):
    addresses = host_addresses()
    if not addresses:
        pytest.skip("this host has no address but loopback")
    port = free_port()
    server = emu.socket()
    server.bind(("0.0.0.0", port))
    server.listen(1)
    for address in addresses:
        with pytest.raises(ConnectionRefusedError):
            native.create_connection((address, port), timeout=PEER_TIMEOUT).close()
    native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT).close()  # it does listen
    server.close()


SERVER_SCRIPT = """
import socket, sys
server = socket.socket()
server.bind(('0.0.0.0', int(sys.argv[1])))
server.listen(1)
print('listening', flush=True)
server.settimeout(10)
conn, _ = server.accept()
conn.close()
"""


def listeners_of_script(script, *options):
    """Runs SERVER_SCRIPT under `mpsock run`, and returns where the kernel says it listens."""
    port = free_port()
    process = subprocess.Popen(
        ["mpsock", "run", *options, script(SERVER_SCRIPT), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline() == "listening\n", process.stderr.read()
        found = tcp_listeners(port)
        native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT).close()
        process.communicate(timeout=10)
        assert process.returncode == 0
        return found
    finally:
        process.kill()
        process.wait()


def test_mpsock_run_keeps_a_wildcard_server_on_loopback(script):
    assert listeners_of_script(script) == {LOOPBACK}


def test_expose_opts_in_to_every_interface(script):
    assert listeners_of_script(script, "--expose") == {WILDCARD}


def udp_on_the_wildcard(module):
    s = module.socket(module.AF_INET, module.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    return s, s.getsockname()[1]


def test_udp_socket_on_the_wildcard_receives_on_loopback_only(desktop):
    # Loopback's address, or the wildcard (so broadcast and multicast reach it) tied to the
    # loopback device (so nothing from another interface does).
    s, port = udp_on_the_wildcard(desktop)
    addresses = udp_bindings(port)
    assert addresses == {LOOPBACK} or (
        addresses == {WILDCARD} and udp_bound_devices(port) == [native.if_nametoindex("lo")]
    )
    s.close()


@pytest.mark.parametrize("module_name", ["emu", "desktop"])
@pytest.mark.parametrize("shaped", [False, True], ids=["unshaped", "shaped"])
def test_udp_socket_sending_unbound_receives_on_loopback_only(request, module_name, shaped):
    # udp_sendto binds an unbound pcb to the wildcard; on the host that is a bind to the
    # wildcard as the script's own would make it, not the kernel's own choice (every interface).
    # The same through a shaped link, where the datagram waits on the link before the kernel.
    module = request.getfixturevalue(module_name)
    if shaped:
        import mpsock

        mpsock._mpsock.set_conditions(latency_ms=20, bandwidth_bps=1e6)
    echo = native.socket(native.AF_INET, native.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))
    echo.settimeout(PEER_TIMEOUT)
    s = module.socket(module.AF_INET, module.SOCK_DGRAM)
    s.settimeout(PEER_TIMEOUT)
    s.sendto(b"ping", echo.getsockname())
    data, sender = echo.recvfrom(64)
    assert data == b"ping"
    assert reaches_only_loopback(sender[1]) == set()
    # The answer still comes back, and so does the next exchange, from the same port.
    echo.sendto(b"pong", sender)
    assert s.recv(64) == b"pong"
    s.sendto(b"again", echo.getsockname())
    assert echo.recvfrom(64) == (b"again", sender)
    s.close()
    echo.close()


def test_expose_opts_udp_in_to_every_interface(desktop):
    import mpsock

    mpsock.expose_wildcard(True)
    s, port = udp_on_the_wildcard(desktop)
    assert udp_bindings(port) == {WILDCARD} and udp_bound_devices(port) == [0]
    s.close()


# Every spelling of the IPv4 wildcard ipaddr_aton takes, an address that is nobody's on this
# host (TEST-NET-2), the broadcast address, a multicast group, and this host's own addresses.
IPV4_FORMS = [
    "",
    "0.0.0.0",
    "0",
    "0.0",
    "0.0.0",
    "0x0",
    "00.0.0.0",
    "0x00000000",
    "198.51.100.77",
    "255.255.255.255",
    "224.0.0.251",
] + host_addresses()
# The IPv6 wildcard in its spellings and with a zone; the IPv4 wildcard, a stranger and this
# host's IPv4 addresses written IPv4-mapped; nobody's address; multicast, scoped and not; this
# host's own IPv6 addresses (link-local ones with their interface as the zone).
IPV6_FORMS = (
    [
        "::",
        "::0",
        "0::",
        "0:0:0:0:0:0:0:0",
        "::%1",
        "::ffff:0.0.0.0",
        "::ffff:0:0",
        "0:0:0:0:0:ffff:0:0",
        "::ffff:198.51.100.77",
        "::ffff:224.0.0.251",
        "2001:db8::77",
        "ff02::fb",
        "ff02::1%1",
    ]
    + ["::ffff:" + address for address in host_addresses()]
    + [
        address + ("%%%d" % index if address.startswith("fe80:") else "")
        for address, index in host_addresses6()
    ]
)
# Loopback addresses stay what they are.
LOOPBACK_FORMS = ["127.0.0.2", "127.1", "2130706434"]
LOOPBACK6_FORMS = ["::1", "::ffff:127.0.0.2", "::1%1"]


def bind_each(module, kind, family, forms):
    """Binds (and for TCP listens) a socket on each address form, each on its own port; the
    forms whose socket the kernel shows reachable beyond loopback, with what it shows."""
    escaped = {}
    for host in forms:
        port = free_port()
        s = module.socket(family, kind)
        try:
            s.bind((host, port))
            if kind == module.SOCK_STREAM:
                s.listen(1)
        except (OSError, ValueError):
            s.close()  # not bound anywhere: nothing listens
            continue
        wrong = reaches_only_loopback(port)
        if wrong:
            escaped[host] = sorted(str(address) for address in wrong)
        s.close()
    return escaped


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_no_ipv4_address_form_binds_beyond_loopback(emu, kind):
    sock_type = emu.SOCK_STREAM if kind == "tcp" else emu.SOCK_DGRAM
    assert bind_each(emu, sock_type, emu.AF_INET, IPV4_FORMS + LOOPBACK_FORMS) == {}


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_no_address_form_binds_beyond_loopback_under_desktop(desktop, kind):
    sock_type = desktop.SOCK_STREAM if kind == "tcp" else desktop.SOCK_DGRAM
    assert bind_each(desktop, sock_type, desktop.AF_INET, IPV4_FORMS + LOOPBACK_FORMS) == {}
    assert bind_each(desktop, sock_type, desktop.AF_INET6, IPV6_FORMS + LOOPBACK6_FORMS) == {}


# (address a server binds, where it listens and what getsockname says without --expose)
LANDINGS = (
    [("0.0.0.0", "127.0.0.1"), ("", "127.0.0.1"), ("198.51.100.77", "127.0.0.1"), ("127.0.0.2", "127.0.0.2")]
    + [("::ffff:0.0.0.0", "127.0.0.1"), ("::ffff:0:0", "127.0.0.1"), ("::ffff:198.51.100.77", "127.0.0.1")]
    + [("::", "::1"), ("2001:db8::77", "::1"), ("::ffff:127.0.0.2", "127.0.0.2")]
    + [(address, "127.0.0.1") for address in host_addresses()]
    + [("::ffff:" + address, "127.0.0.1") for address in host_addresses()]
    + [("%s%%%d" % (address, index), "::1") for address, index in host_addresses6()]
)


@pytest.mark.parametrize("host,where", LANDINGS, ids=[host or "empty" for host, _ in LANDINGS])
def test_a_server_bound_beyond_loopback_listens_on_loopback_and_says_so(desktop, host, where):
    # The script sees where it listens (getsockname) and a native client reaches it there; not
    # at 127.0.0.2 (as it would a server on the host's wildcard), nor at the address it named.
    family = desktop.AF_INET6 if ":" in host else desktop.AF_INET
    server = desktop.socket(family, desktop.SOCK_STREAM)
    server.bind((host, 0))
    server.listen(1)
    named, port = server.getsockname()[:2]
    assert named == where
    native.create_connection((where, port), timeout=PEER_TIMEOUT).close()
    unreachable = [] if where == "127.0.0.2" else ["127.0.0.2"]
    literal = host.split("%")[0]
    if (
        literal
        and not ipaddress.ip_address(literal).is_unspecified
        and "ffff:" not in literal
        and host != where
    ):
        unreachable.append(host)
    for target in unreachable:
        source = ("127.0.0.2", 0) if target == "127.0.0.2" else None
        with pytest.raises(OSError):
            native.create_connection((target, port), timeout=PEER_TIMEOUT, source_address=source).close()
    server.close()


def test_udp_bound_to_the_mapped_wildcard_is_tied_to_loopback(desktop):
    s = desktop.socket(desktop.AF_INET6, desktop.SOCK_DGRAM)
    s.bind(("::ffff:0.0.0.0", 0))
    port = s.getsockname()[1]
    assert reaches_only_loopback(port) == set()
    # Still a wildcard on loopback: the emulated LAN's broadcast reaches it.
    s.setsockopt(desktop.SOL_SOCKET, desktop.SO_BROADCAST, 1)
    sender = native.socket(native.AF_INET, native.SOCK_DGRAM)
    sender.setsockopt(native.SOL_SOCKET, native.SO_BROADCAST, 1)
    sender.sendto(b"hello", ("127.255.255.255", port))
    sender.close()
    s.settimeout(PEER_TIMEOUT)
    assert s.recvfrom(16)[0] == b"hello"
    s.close()


def test_udp_bound_to_the_limited_broadcast_hears_the_emulated_lans_broadcast(desktop):
    port = free_port()
    s = desktop.socket(desktop.AF_INET, desktop.SOCK_DGRAM)
    s.bind(("255.255.255.255", port))
    assert reaches_only_loopback(port) == set()
    sender = desktop.socket(desktop.AF_INET, desktop.SOCK_DGRAM)
    sender.setsockopt(desktop.SOL_SOCKET, desktop.SO_BROADCAST, 1)
    sender.sendto(b"to all", ("255.255.255.255", port))
    s.settimeout(PEER_TIMEOUT)
    assert s.recvfrom(16)[0] == b"to all"
    s.close()
    sender.close()


@pytest.mark.parametrize("interface", ["198.51.100.77"] + host_addresses())
def test_a_multicast_membership_on_another_interface_stays_on_loopback(desktop, interface):
    # A membership names an interface by its address; without --expose every interface is the
    # emulated camera's, on loopback: nothing joins the group on a real network.
    s = desktop.socket(desktop.AF_INET, desktop.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    port = s.getsockname()[1]
    request = native.inet_aton("239.255.19.19") + native.inet_aton(interface)
    s.setsockopt(desktop.IPPROTO_IP, desktop.IP_ADD_MEMBERSHIP, request)
    groups = igmp_groups()
    assert all(device == "lo" for device, group in groups if group == "239.255.19.19"), groups
    assert ("lo", "239.255.19.19") in groups
    sender = native.socket(native.AF_INET, native.SOCK_DGRAM)
    sender.setsockopt(native.IPPROTO_IP, native.IP_MULTICAST_IF, native.inet_aton("127.0.0.1"))
    sender.sendto(b"group", ("239.255.19.19", port))
    sender.close()
    s.settimeout(PEER_TIMEOUT)
    assert s.recvfrom(16)[0] == b"group"
    s.close()


def igmp_groups():
    """(device, group) of each IPv4 multicast membership, from /proc/net/igmp."""
    found = []
    device = None
    with open("/proc/net/igmp") as listing:
        next(listing)
        for line in listing:
            fields = line.split()
            if not line[0].isspace():
                device = fields[1].rstrip(":")
                continue
            raw = bytes.fromhex(fields[0])
            found.append((device, str(ipaddress.IPv4Address(raw[::-1]))))
    return found
