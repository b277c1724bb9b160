"""bind to a port another socket is listening on raises OSError(EADDRINUSE) (reference §5 bind;
lwIP tcp_bind)."""


def dut(ctl):
    import socket

    first = socket.socket()
    first.bind(ctl.bind_addr)
    first.listen(1)
    second = socket.socket()
    try:
        second.bind(ctl.bind_addr)
        print("bound twice")
    except OSError as e:
        print("bind", e.args[0])
    second.close()
    first.close()


EXPECTED = """
bind 98
"""
