"""Nothing mpsock starts listens beyond loopback unless the user asks (`--expose`): a script's
TCP server bound to the wildcard is bound to loopback on the host, as the kernel sees it; a
native client cannot reach it through this host's other addresses."""

import ipaddress
import socket as native
import subprocess

import pytest
from kernel_sockets import host_addresses, tcp_listeners, udp_bindings, udp_bound_devices
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


def test_expose_opts_udp_in_to_every_interface(desktop):
    import mpsock

    mpsock.expose_wildcard(True)
    s, port = udp_on_the_wildcard(desktop)
    assert udp_bindings(port) == {WILDCARD} and udp_bound_devices(port) == [0]
    s.close()
