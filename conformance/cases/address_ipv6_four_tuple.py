"""With IPv6 built in, the documented 4-tuple (addr, port, flowinfo, scopeid) binds, and a
received address comes back as a 2-tuple (reference §3, IPv6 [doc] and returned addresses)."""

NEEDS = ("ipv6", "dut_on_loopback")


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.bind(("::1", ctl.own_port, 0, 0))
    ctl.send("bound")
    u.settimeout(5)
    data, address = u.recvfrom(16)
    print(data, len(address), address[0])
    u.close()


def host(peer):
    import socket as native

    peer.wait("bound")
    sender = peer.track(native.socket(native.AF_INET6, native.SOCK_DGRAM))
    sender.sendto(b"over v6", ("::1", peer.own_port))


EXPECTED = """
b'over v6' 2 ::1
"""
