"""An option setsockopt does not know prints "Warning: lwip.setsockopt() not implemented"
and returns None, without an exception (reference §7; checked against the real code)."""


def dut(ctl):
    import socket

    s = socket.socket()
    print("result", s.setsockopt(socket.SOL_SOCKET, 0x7777, 1))
    s.close()


EXPECTED = """
Warning: lwip.setsockopt() not implemented
result None
"""
