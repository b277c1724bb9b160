"""accept on a TCP socket that is not listening raises OSError(EINVAL) (reference §5 accept)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.bind(ctl.bind_addr)
    try:
        s.accept()
        print("accepted")
    except OSError as e:
        print("accept", e.args[0])
    s.close()


EXPECTED = """
accept 22
"""
