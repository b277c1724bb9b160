"""On a non-blocking socket, read(n) returns what arrived before EAGAIN, even if less than n
(reference §5 read: "return what was read before EAGAIN")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.wait("sent")
    ctl.until_readable(s)
    s.setblocking(False)
    print("read", s.read(100))
    s.close()


def host(peer):
    conn = peer.accept()
    conn.sendall(b"hello")
    peer.send("sent")


EXPECTED = """
read b'hello'
"""
