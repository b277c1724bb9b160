"""Before v1.23 the socket module has no IPPROTO_TCP nor TCP_NODELAY, and setsockopt does not
know TCP_NODELAY's number: it prints its warning (reference §11; MicroPython's "Use Nagle
algorithm and add support for TCP_NODELAY")."""

NEEDS = ("micropython < 1.23",)


def dut(ctl):
    import socket

    print("IPPROTO_TCP", getattr(socket, "IPPROTO_TCP", None))
    print("TCP_NODELAY", getattr(socket, "TCP_NODELAY", None))
    s = socket.socket()
    print("result", s.setsockopt(6, 0x40, 1))
    s.close()


EXPECTED = """
IPPROTO_TCP None
TCP_NODELAY None
Warning: lwip.setsockopt() not implemented
result None
"""
