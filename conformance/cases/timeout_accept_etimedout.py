"""accept with a timeout and no connection coming raises OSError(ETIMEDOUT) (reference §5 accept,
§4; checked against the real code: 110 for an accept timeout)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.bind(ctl.bind_addr)
    s.listen(1)
    s.settimeout(0.2)
    try:
        s.accept()
        print("accepted")
    except OSError as e:
        print("accept", e.args[0])
    s.close()


EXPECTED = """
accept 110
"""
