"""recvfrom with MSG_PEEK leaves the datagram queued: the next recv returns it again (reference §6
"MSG_PEEK leaves it queued")."""

NEEDS = ("micropython >= 1.26",)


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"hello", ctl.peer)
    ctl.wait("sent")
    u.settimeout(2)
    data, address = u.recvfrom(16, socket.MSG_PEEK)
    print("peek", data, address[1] == ctl.peer_port)
    print("recv", u.recv(16))
    u.close()


def host(peer):
    _, address = peer.udp.recvfrom(64)
    peer.udp.sendto(b"datagram", address)
    peer.send("sent")


EXPECTED = """
peek b'datagram' True
recv b'datagram'
"""
