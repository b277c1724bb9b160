"""A connect from a board to its own listener through its own address goes unanswered: the
SYN goes out on the link and nothing brings it back, so the connect raises OSError(ETIMEDOUT)
at the timeout (measured on real lwIP with the RT1062's options) (reference §13)."""

NEEDS = ("not loopback", "dut_ip", "not dut_on_loopback")


def dut(ctl):
    import socket
    import time

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(ctl.bind_addr)
    server.listen(1)
    client = socket.socket()
    client.settimeout(1)
    started = time.ticks_ms()
    try:
        client.connect(ctl.address(ctl.facts["dut_ip"], ctl.own_port))
        print("connected")
    except OSError as e:
        print("connect", e.args[0], "at the timeout", time.ticks_diff(time.ticks_ms(), started) >= 900)
    client.close()
    server.close()


EXPECTED = """
connect 110 at the timeout True
"""
