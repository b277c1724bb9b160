"""On a non-blocking socket with nothing to read, read, readinto and readline return None
(reference §5 read/readinto/readline on non-blocking sockets; py/stream.c)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    s.setblocking(False)
    print("read", s.read(10))
    print("readinto", s.readinto(bytearray(10)))
    print("readline", s.readline())
    s.close()


def host(peer):
    peer.accept()


EXPECTED = """
read None
readinto None
readline None
"""
