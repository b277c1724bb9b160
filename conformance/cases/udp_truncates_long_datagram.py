"""recv(n) of a datagram longer than n returns its first n bytes and discards the rest: the
next recv gets the next datagram (spec §6; checked against the real code)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"hello", ctl.peer)
    ctl.wait("sent")
    u.settimeout(2)
    print("recv", u.recv(10))
    print("recv", u.recv(100))
    u.close()


def host(peer):
    _, address = peer.udp.recvfrom(64)
    peer.udp.sendto(b"0123456789abcdefghij", address)
    peer.udp.sendto(b"second", address)
    peer.send("sent")


EXPECTED = """
recv b'0123456789'
recv b'second'
"""
