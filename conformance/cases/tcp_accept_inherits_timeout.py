"""The socket accept() returns inherits the listener's timeout: a recv on it with no data
raises ETIMEDOUT after that timeout (reference §5 accept)."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ctl.bind_addr)
    s.listen(1)
    ctl.send("listening")
    ctl.wait("connected")
    s.settimeout(0.3)
    conn, _ = s.accept()
    try:
        conn.recv(10)
        print("received")
    except OSError as e:
        print("recv", e.args[0])
    conn.close()
    s.close()


def host(peer):
    peer.wait("listening")
    peer.connect()
    peer.send("connected")


EXPECTED = """
recv 110
"""
