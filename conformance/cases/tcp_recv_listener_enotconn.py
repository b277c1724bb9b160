"""recv on a listening socket raises OSError(ENOTCONN) (reference §5 recv; checked against the
real code: 107)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.bind(ctl.bind_addr)
    s.listen(1)
    try:
        s.recv(10)
        print("received")
    except OSError as e:
        print("recv", e.args[0])
    s.close()


EXPECTED = """
recv 107
"""
