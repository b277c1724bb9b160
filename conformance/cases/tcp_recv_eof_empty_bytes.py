"""When the peer has closed and everything is read, recv returns b'', and again on every
later call (reference §5 recv: "Returns b'' at EOF")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.send("connected")  # before the peer sends and closes (see reference §12)
    ctl.wait("closed")
    print("recv", s.recv(16))
    print("recv", s.recv(16))
    print("recv", s.recv(16))
    s.close()


def host(peer):
    conn = peer.accept()
    peer.wait("connected")
    conn.sendall(b"last words")
    conn.close()
    peer.send("closed")


EXPECTED = """
recv b'last words'
recv b''
recv b''
"""
