"""setsockopt(IPPROTO_TCP, TCP_NODELAY, 1) is a known option: it returns None, prints no
warning, and the socket goes on sending (reference §7, §5 send: Nagle unless TCP_NODELAY)."""

NEEDS = ("micropython >= 1.23",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    print("setsockopt", s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1))
    s.send(b"small")
    print("peer received", ctl.wait("received"))
    s.close()


def host(peer):
    conn = peer.accept()
    peer.send("received", repr(conn.recv(16)))


EXPECTED = """
setsockopt None
peer received b'small'
"""
