"""recv(n) of a datagram longer than n returns its first n bytes and discards the rest: the
next recv gets the next datagram (reference §6; checked against the real code). Each datagram
is sent once the one before was read: before v1.26 the socket holds only one."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"hello", ctl.peer)
    ctl.wait("sent")
    u.settimeout(2)
    print("recv", u.recv(10))
    ctl.send("read")
    print("recv", u.recv(100))
    u.close()


def host(peer):
    _, address = peer.udp.recvfrom(64)
    peer.udp.sendto(b"0123456789abcdefghij", address)
    peer.send("sent")
    peer.wait("read")
    peer.udp.sendto(b"second", address)


EXPECTED = """
recv b'0123456789'
recv b'second'
"""
