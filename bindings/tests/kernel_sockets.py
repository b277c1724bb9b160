"""The kernel's view of this network namespace's sockets (/proc/net/tcp, tcp6, udp, udp6, and
sock_diag for the device a socket is bound to) and of this host's own addresses, to check where
mpsock really listens."""

import fcntl
import ipaddress
import socket
import struct

TCP_LISTEN = 0x0A
SIOCGIFADDR = 0x8915


def _address(hex_address):
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return ipaddress.IPv4Address(raw[::-1])
    # IPv6: four 32-bit words, each in host (little-endian) order.
    return ipaddress.IPv6Address(b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4)))


def sockets(table):
    """(local address, local port, state) of each socket in /proc/net/`table`."""
    found = []
    with open("/proc/net/" + table) as listing:
        next(listing)
        for line in listing:
            fields = line.split()
            address, port = fields[1].split(":")
            found.append((_address(address), int(port, 16), int(fields[3], 16)))
    return found


def tcp_listeners(port):
    """The local addresses the kernel has TCP listeners on for `port`, IPv4 and IPv6."""
    return {
        address
        for table in ("tcp", "tcp6")
        for address, local_port, state in sockets(table)
        if local_port == port and state == TCP_LISTEN
    }


def udp_bindings(port):
    return {
        address
        for table in ("udp", "udp6")
        for address, local_port, _ in sockets(table)
        if local_port == port
    }


NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLMSG_DONE = 3
NLM_F_REQUEST_DUMP = 0x1 | 0x300
ALL_STATES = 0xFFFFFFFF


def udp_bound_devices(port):
    """The device each UDP socket on `port` is bound to (SO_BINDTODEVICE): an interface index,
    0 for none. Asked of the kernel's sock_diag, as `ss` does."""
    found = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG) as diag:
        for family in (socket.AF_INET, socket.AF_INET6):
            # inet_diag_req_v2: family, protocol, extensions, pad, states, then a zeroed sockid.
            request = struct.pack("=BBBxI48x", family, socket.IPPROTO_UDP, 0, ALL_STATES)
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
                    local_port = struct.unpack_from("!H", data, offset + 16 + 4)[0]
                    interface = struct.unpack_from("=I", data, offset + 16 + 4 + 4 + 32)[0]
                    if local_port == port:
                        found.append(interface)
                    offset += (length + 3) & ~3
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
