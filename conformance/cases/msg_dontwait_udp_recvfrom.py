"""MSG_DONTWAIT in recvfrom on a blocking UDP socket with no datagram raises EAGAIN (reference §4,
§6)."""

NEEDS = ("micropython >= 1.26",)


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(ctl.bind_addr)
    try:
        u.recvfrom(10, socket.MSG_DONTWAIT)
        print("received")
    except OSError as e:
        print("recvfrom MSG_DONTWAIT", e.args[0])
    u.close()


EXPECTED = """
recvfrom MSG_DONTWAIT 11
"""
