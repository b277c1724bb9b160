"""recv with MSG_PEEK returns the data without consuming it: the next recv returns the same
bytes (reference §5 recv, MSG_PEEK)."""

NEEDS = ("micropython >= 1.26",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.wait("sent")
    print("peek", s.recv(5, socket.MSG_PEEK))
    print("peek", s.recv(5, socket.MSG_PEEK))
    print("recv", s.recv(5))
    print("recv", s.recv(16))
    s.close()


def host(peer):
    conn = peer.accept()
    conn.sendall(b"peekaboo")
    peer.send("sent")


EXPECTED = """
peek b'peeka'
peek b'peeka'
recv b'peeka'
recv b'boo'
"""
