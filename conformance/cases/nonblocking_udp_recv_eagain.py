"""recv and recvfrom on a non-blocking UDP socket with no datagram raise OSError(EAGAIN) (reference
§6 recv/recvfrom, §4)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(ctl.bind_addr)
    u.setblocking(False)
    for call in ("recv", "recvfrom"):
        try:
            getattr(u, call)(10)
            print(call, "received")
        except OSError as e:
            print(call, e.args[0])
    u.close()


EXPECTED = """
recv 11
recvfrom 11
"""
