"""Closing a socket twice is harmless: the second close raises nothing (reference §5 close)."""


def dut(ctl):
    import socket

    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        s.close()
        print("second close", s.close())


EXPECTED = """
second close None
second close None
"""
