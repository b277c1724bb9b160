"""read(n) on a blocking socket keeps reading until it has n bytes, across segments that
arrive apart: no short reads (reference §5 read/readinto, "no short reads")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    data = s.read(12)
    print("read", len(data), data)
    s.close()


def host(peer):
    import time

    conn = peer.accept()
    conn.sendall(b"first")
    time.sleep(0.3)  # a separate segment, well after the first
    conn.sendall(b" second")


EXPECTED = """
read 12 b'first second'
"""
