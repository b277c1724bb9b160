"""recv on a TCP socket that never connected raises OSError(ENOTCONN) (reference §5 recv)."""


def dut(ctl):
    import socket

    s = socket.socket()
    try:
        s.recv(10)
        print("received")
    except OSError as e:
        print("recv", e.args[0])
    s.close()


EXPECTED = """
recv 107
"""
