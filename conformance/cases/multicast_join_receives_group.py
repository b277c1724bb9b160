"""After setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, group + interface), a UDP socket receives
datagrams sent to the group (reference §6 multicast; the 8-byte mreq is built as inet_aton
would)."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import socket

    def packed(ip):
        return bytes([int(part) for part in ip.split(".")])

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind(ctl.bind_addr)
    mreq = packed("239.255.42.99") + packed(ctl.facts["dut_ip"])
    print("join", u.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq))
    ctl.send("joined")
    u.settimeout(3)
    try:
        print("recv", u.recv(64))
    except OSError as e:
        print("recv", e.args[0])
    u.close()


def host(peer):
    import socket as native

    peer.wait("joined")
    sender = peer.udp_socket()
    sender.setsockopt(native.IPPROTO_IP, native.IP_MULTICAST_IF, native.inet_aton(peer.host_ip))
    sender.setsockopt(native.IPPROTO_IP, native.IP_MULTICAST_TTL, 1)
    sender.sendto(b"to the group", ("239.255.42.99", peer.own_port))


EXPECTED = """
join None
recv b'to the group'
"""
