"""A board has no loopback interface: a connect to its own listener through 127.0.0.1 raises
OSError(EHOSTUNREACH) at once (lwIP's ip_route finds no interface: ERR_RTE; measured on real
lwIP with the RT1062's options) (reference §13)."""

NEEDS = ("not loopback",)


def dut(ctl):
    import socket
    import time

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(ctl.bind_addr)
    server.listen(1)
    client = socket.socket()
    client.settimeout(5)
    started = time.ticks_ms()
    try:
        client.connect(ctl.address("127.0.0.1", ctl.own_port))
        print("connected")
    except OSError as e:
        print("connect", e.args[0], "at once", time.ticks_diff(time.ticks_ms(), started) < 1000)
    client.close()
    server.close()


EXPECTED = """
connect 113 at once True
"""
