"""read() with no size reads everything until the peer closes (reference §5 read: "read() with no
size reads to EOF")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.send("connected")  # before the peer sends and closes (see reference §12)
    data = s.read()
    print("read", len(data), data == bytes(range(256)) * 40)
    s.close()


def host(peer):
    conn = peer.accept()
    peer.wait("connected")
    conn.sendall(bytes(range(256)) * 40)
    conn.close()


EXPECTED = """
read 10240 True
"""
