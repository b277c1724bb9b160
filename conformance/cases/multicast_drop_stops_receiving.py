"""After IP_DROP_MEMBERSHIP with the same mreq, datagrams to the group no longer arrive
(reference §6 multicast: "IP_DROP_MEMBERSHIP likewise")."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import socket

    def packed(ip):
        return bytes([int(part) for part in ip.split(".")])

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind(ctl.bind_addr)
    mreq = packed("239.255.42.98") + packed(ctl.facts["dut_ip"])
    u.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    print("drop", u.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq))
    ctl.send("dropped")
    u.settimeout(0.5)
    try:
        print("recv", u.recv(64))
    except OSError as e:
        print("recv", e.args[0])
    u.close()


def host(peer):
    import socket as native

    peer.wait("dropped")
    sender = peer.udp_socket()
    sender.setsockopt(native.IPPROTO_IP, native.IP_MULTICAST_IF, native.inet_aton(peer.host_ip))
    sender.setsockopt(native.IPPROTO_IP, native.IP_MULTICAST_TTL, 1)
    sender.sendto(b"to the group", ("239.255.42.98", peer.own_port))


EXPECTED = """
drop None
recv 110
"""
