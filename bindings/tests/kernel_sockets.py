"""The kernel's view of this network namespace's sockets (sock_diag, as `ss` asks it: each
socket's local address and the device it is bound to) and of this host's own addresses, to
check where mpsock really listens."""

import fcntl
import ipaddress
import socket
import struct

TCP_LISTEN = 0x0A
SIOCGIFADDR = 0x8915


def tcp_listeners(port):
    """The local addresses the kernel has TCP listeners on for `port`, IPv4 and IPv6."""
    return {address for address, _ in diagnose(socket.IPPROTO_TCP, port, 1 << TCP_LISTEN)}


def udp_bindings(port):
    return {address for address, _ in diagnose(socket.IPPROTO_UDP, port)}


NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLMSG_DONE = 3
NLM_F_REQUEST_DUMP = 0x1 | 0x300
ALL_STATES = 0xFFFFFFFF


def diagnose(protocol, port, states=ALL_STATES):
    """(local address, bound device) of each socket of `protocol` on local `port`, asked of the
    kernel's sock_diag as `ss` does (reading /proc/net/tcp can take tens of milliseconds). The
    device is an interface index (SO_BINDTODEVICE), 0 for none."""
    found = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG) as diag:
        for family in (socket.AF_INET, socket.AF_INET6):
            # inet_diag_req_v2: family, protocol, extensions, pad, states, then a zeroed sockid.
            request = struct.pack("=BBBxI48x", family, protocol, 0, states)
            header = struct.pack("=IHHII", 16 + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST_DUMP, 1, 0)
            diag.send(header + request)
            done = False
            while not done:
                data = diag.recv(1 << 16)
                offset = 0
                while offset + 16 <= len(data):
                    length, kind = struct.unpack_from("=IH", data, offset)
                    if kind == NLMSG_DONE or length < 16:
                        done = True
                        break
                    # inet_diag_msg: family, state, timer, retrans, then sockid (ports in network
                    # order, two 16-byte addresses, the interface index).
                    message = offset + 16
                    local_port = struct.unpack_from("!H", data, message + 4)[0]
                    if local_port == port:
                        raw = data[message + 8 : message + 24]
                        if data[message] == socket.AF_INET:
                            address = ipaddress.IPv4Address(raw[:4])
                        else:
                            address = ipaddress.IPv6Address(raw)
                        interface = struct.unpack_from("=I", data, message + 40)[0]
                        found.append((address, interface))
                    offset += (length + 3) & ~3
    return found


def udp_bound_devices(port):
    """The device each UDP socket on `port` is bound to (SO_BINDTODEVICE): an interface index,
    0 for none."""
    return [interface for _, interface in diagnose(socket.IPPROTO_UDP, port)]


def is_loopback(address):
    """127/8, ::1, or 127/8 written as an IPv4-mapped IPv6 address."""
    address = ipaddress.ip_address(address)
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def is_wildcard(address):
    address = ipaddress.ip_address(address)
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_unspecified or bool(mapped and mapped.is_unspecified)


def is_multicast(address):
    address = ipaddress.ip_address(address)
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_multicast or bool(mapped and mapped.is_multicast)


def reaches_only_loopback(port):
    """What the kernel says of every socket on `port`: a TCP listener only on a loopback
    address, a UDP socket only on one, or on the wildcard (or a multicast group) tied to the
    loopback device. Returns the offending sockets' addresses (empty when all is well)."""
    loopback_device = socket.if_nametoindex("lo")
    wrong = {address for address in tcp_listeners(port) if not is_loopback(address)}
    bound = udp_bindings(port)
    open_udp = {a for a in bound if not is_loopback(a)}
    if open_udp:
        tied = all(is_wildcard(a) or is_multicast(a) for a in open_udp) and set(udp_bound_devices(port)) == {
            loopback_device
        }
        if not tied:
            wrong |= open_udp
    return wrong


def host_addresses6():
    """This host's IPv6 addresses other than loopback, as (address, interface index), from
    /proc/net/if_inet6 (no traffic)."""
    found = []
    try:
        with open("/proc/net/if_inet6") as listing:
            for line in listing:
                fields = line.split()
                address = ipaddress.IPv6Address(bytes.fromhex(fields[0]))
                if not address.is_loopback:
                    found.append((str(address), int(fields[1], 16)))
    except OSError:
        pass
    return found


def host_addresses():
    """This host's IPv4 addresses other than loopback (no name resolution, no traffic)."""
    found = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _, name in socket.if_nameindex():
            try:
                answer = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue  # no IPv4 address on this interface
            address = ipaddress.IPv4Address(answer[20:24])
            if not address.is_loopback:
                found.append(str(address))
    finally:
        probe.close()
    return found
