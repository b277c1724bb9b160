"""readinto(buf) fills the whole buffer, and readinto(buf, n) reads n bytes into its start
(reference §5 readinto(buf[, n]))."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    buf = bytearray(6)
    print("readinto", s.readinto(buf), buf)
    buf = bytearray(6)
    print("readinto n=4", s.readinto(buf, 4), buf)
    s.close()


def host(peer):
    import time

    conn = peer.accept()
    conn.sendall(b"abc")
    time.sleep(0.2)
    conn.sendall(b"defghij")


EXPECTED = """
readinto 6 bytearray(b'abcdef')
readinto n=4 4 bytearray(b'ghij\\x00\\x00')
"""
