"""accept on a non-blocking listener with no connection queued raises OSError(EAGAIN)
(reference §5 accept; checked against the real code: 11)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.bind(ctl.bind_addr)
    s.listen(1)
    s.settimeout(0)
    try:
        s.accept()
        print("accepted")
    except OSError as e:
        print("accept", e.args[0])
    s.close()


EXPECTED = """
accept 11
"""
