"""A TCP client connects (blocking), sends, and receives the peer's answer (reference §5 connect,
send, recv)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    print("sent", s.send(b"ping"))
    print("recv", s.recv(16))
    s.close()


def host(peer):
    conn = peer.accept()
    if conn.recv(16) == b"ping":
        conn.sendall(b"pong")


EXPECTED = """
sent 4
recv b'pong'
"""
