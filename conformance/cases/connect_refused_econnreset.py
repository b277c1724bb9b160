"""A connect the peer refuses (its SYN answered with RST) fails with ECONNRESET, not
ECONNREFUSED: lwIP reports ERR_RST (reference §5 connect; checked against the real code: 104)."""


def dut(ctl):
    import socket

    s = socket.socket()
    try:
        s.connect(ctl.refusing)
        print("connected")
    except OSError as e:
        print("connect", e.args[0])
    s.close()


EXPECTED = """
connect 104
"""
