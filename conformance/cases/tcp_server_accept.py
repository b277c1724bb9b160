"""A TCP server binds, listens and accepts a connection; the accepted socket receives what
the client sent and answers (reference §5 bind, listen, accept)."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ctl.bind_addr)
    s.listen(1)
    ctl.send("listening")
    conn, _ = s.accept()
    print("recv", conn.recv(16))
    conn.send(b"welcome")
    ctl.wait("received")
    conn.close()
    s.close()


def host(peer):
    peer.wait("listening")
    client = peer.connect()
    client.sendall(b"hello")
    answer = client.recv(16)
    peer.send("received")
    assert answer == b"welcome", answer


EXPECTED = """
recv b'hello'
"""
