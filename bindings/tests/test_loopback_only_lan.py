"""Nothing listens beyond loopback unless asked, seen from another machine on a LAN: two network
namespaces made for the test, joined by a veth pair. The "host" namespace, where `mpsock run`
runs, has its own LAN addresses (IPv4, IPv6, IPv6 link-local); a native peer in the other
namespace tries every one of them. Without `--expose`, a script's servers and UDP sockets,
bound to the wildcard in every spelling or to the host's own LAN addresses in every form, are
reached by nothing; with `--expose` the same probes get through (so they can fail).

Needs root and iproute2's `ip` (the test makes and removes the namespaces); skipped otherwise.
Nothing is addressed outside the two namespaces."""

import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(120)

HOST_V4, PEER_V4, BROADCAST_V4 = "198.51.100.1", "198.51.100.2", "198.51.100.255"
HOST_V6, PEER_V6 = "2001:db8:19::1", "2001:db8:19::2"
HOST_LINK_LOCAL, PEER_LINK_LOCAL = "fe80::1", "fe80::2"
GROUP = "239.19.19.19"
STEP_TIMEOUT = 30


# iproute2 itself runs without a sanitizer the test run may preload (it would report the
# memory `ip` leaves to its exit); what runs inside the namespaces keeps it.
PLAIN = {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=STEP_TIMEOUT, env=PLAIN)


class Lan:
    """The two namespaces: `host` (where mpsock runs) and `peer`, each with interface lan0."""

    def __init__(self):
        suffix = "%d-%d" % (os.getpid(), id(self) % 10000)
        self.host, self.peer = "mpsock-host-" + suffix, "mpsock-peer-" + suffix
        self.made = []

    def build(self):
        for name in (self.host, self.peer):
            ip("netns", "add", name)
            self.made.append(name)
            ip("-n", name, "link", "set", "lo", "up")
        ip("-n", self.host, "link", "add", "lan0", "type", "veth", "peer", "name", "lan0", "netns", self.peer)
        for name, v4, v6, link_local in (
            (self.host, HOST_V4, HOST_V6, HOST_LINK_LOCAL),
            (self.peer, PEER_V4, PEER_V6, PEER_LINK_LOCAL),
        ):
            # Addresses without duplicate detection, so they are usable at once.
            ip("-n", name, "link", "set", "lan0", "addrgenmode", "none")
            ip("-n", name, "addr", "add", v4 + "/24", "dev", "lan0")
            ip("-n", name, "-6", "addr", "add", v6 + "/64", "dev", "lan0", "nodad")
            ip("-n", name, "-6", "addr", "add", link_local + "/64", "dev", "lan0", "nodad")
            ip("-n", name, "link", "set", "lan0", "up")
        # The peer sends multicast out of the LAN.
        ip("-n", self.peer, "route", "add", "224.0.0.0/4", "dev", "lan0")
        self.lan0_index = int(
            subprocess.run(
                ["ip", "netns", "exec", self.host, "cat", "/sys/class/net/lan0/ifindex"],
                check=True,
                capture_output=True,
                text=True,
                timeout=STEP_TIMEOUT,
            ).stdout
        )

    def remove(self):
        for name in self.made:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=STEP_TIMEOUT, env=PLAIN)

    def popen(self, namespace, command, **kw):
        return subprocess.Popen(["ip", "netns", "exec", namespace, *command], text=True, **kw)


@pytest.fixture(scope="module")
def lan():
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to make network namespaces")
    lan = Lan()
    try:
        lan.build()
    except (subprocess.CalledProcessError, OSError, ValueError) as error:
        lan.remove()
        pytest.skip("cannot make network namespaces here: %s" % getattr(error, "stderr", error))
    yield lan
    lan.remove()


# A camera-style server: binds each "kind,host" of its arguments (port 0; desktop profile so it
# can say which port it got), joins GROUP on its LAN address, says where, waits for the peer
# to finish, then says which sockets heard anything.
SERVER = (
    """
import socket, sys
sockets = []
for spec in sys.argv[1:]:
    kind, host = spec.split(",", 1)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
    s.bind((host, 0))
    if kind == "tcp":
        s.listen(4)
    elif kind == "group":
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     bytes([239, 19, 19, 19]) + bytes(int(x) for x in "%s".split(".")))
    else:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sockets.append((spec, kind, s))
    print("port", spec, s.getsockname()[1])
print("ready")
sys.stdin.readline()
for spec, kind, s in sockets:
    s.settimeout(0.3)
    try:
        s.accept() if kind == "tcp" else s.recv(64)
        print("heard", spec)
    except OSError:
        print("quiet", spec)
print("done")
"""
    % HOST_V4
)

# The peer: for each (spec, port, address), a TCP connect to the host at that address, or UDP
# datagrams to it (and to the LAN's broadcast; a group's go to the group only).
PEER = """
import socket, sys
for line in sys.stdin:
    spec, port, target = line.split()
    kind = spec.split(",")[0]
    port = int(port)
    family = socket.AF_INET6 if ":" in target else socket.AF_INET
    address, _, zone = target.partition("%%")
    target = (address, port, 0, socket.if_nametoindex(zone)) if zone else (address, port)
    if kind == "tcp":
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect(target)
            print("connected", spec)
        except OSError as error:
            print("refused", spec, error.errno)
    else:
        s = socket.socket(family, socket.SOCK_DGRAM)
        if family == socket.AF_INET:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("%s"))
        targets = [target] + ([("%s", port)] if kind == "udp" and family == socket.AF_INET else [])
        for address in targets:
            s.sendto(b"from the lan", address)
        print("sent", spec)
    s.close()
""" % (PEER_V4, BROADCAST_V4)


def forms(lan):
    """(spec, a host address the peer tries for it): every form, some tried two ways."""
    scoped = "%s%%%d" % (HOST_LINK_LOCAL, lan.lan0_index)
    bound = [
        ("0.0.0.0", HOST_V4),
        ("", HOST_V4),
        ("0", HOST_V4),
        ("::", HOST_V6),
        ("::", HOST_V4),
        ("::ffff:0.0.0.0", HOST_V4),
        ("::ffff:0:0", HOST_V4),
        (HOST_V4, HOST_V4),
        ("::ffff:" + HOST_V4, HOST_V4),
        (HOST_V6, HOST_V6),
        (scoped, HOST_LINK_LOCAL + "%lan0"),
    ]
    pairs = [("%s,%s" % (kind, host), target) for kind in ("tcp", "udp") for host, target in bound]
    return pairs + [("group,0.0.0.0", GROUP)]


def probe(lan, script, *options):
    """Runs SERVER under `mpsock run` in the host namespace and the peer in the other one;
    {spec: heard?} for each socket."""
    pairs = forms(lan)
    specs = sorted({spec for spec, _ in pairs})
    server = lan.popen(
        lan.host,
        ["mpsock", "run", "--profile", "desktop", *options, script(SERVER, name="server.py"), *specs],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        ports = {}
        for line in server.stdout:
            if line == "ready\n":
                break
            _, spec, port = line.split()
            ports[spec] = int(port)
        assert len(ports) == len(specs), server.stderr.read() if server.poll() is not None else ports
        peer_input = "".join("%s %d %s\n" % (spec, ports[spec], target) for spec, target in pairs)
        peer = subprocess.run(
            ["ip", "netns", "exec", lan.peer, sys.executable, "-c", PEER],
            input=peer_input,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
        assert peer.returncode == 0, peer.stderr
        connected = {line.split()[1] for line in peer.stdout.splitlines() if line.startswith("connected")}
        out, err = server.communicate("go\n", timeout=STEP_TIMEOUT)
        assert server.returncode == 0, err
        heard = {line.split()[1] for line in out.splitlines() if line.startswith("heard")}
        return {spec: spec in heard or spec in connected for spec in specs}
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()


def test_nothing_on_the_lan_reaches_a_script_without_expose(lan, script):
    reached = probe(lan, script)
    assert sorted(spec for spec, heard in reached.items() if heard) == []


def test_with_expose_the_lan_reaches_the_same_sockets(lan, script):
    reached = probe(lan, script, "--expose")
    assert [spec for spec, heard in reached.items() if not heard] == []
