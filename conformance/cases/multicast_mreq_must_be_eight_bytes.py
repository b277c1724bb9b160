"""IP_ADD_MEMBERSHIP and IP_DROP_MEMBERSHIP take an 8-byte mreq; any other length raises
ValueError (reference §6 multicast)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for name in ("IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP"):
        for size in (7, 9):
            try:
                u.setsockopt(socket.IPPROTO_IP, getattr(socket, name), bytes(size))
                print(name, size, "accepted")
            except ValueError:
                print(name, size, "ValueError")
    u.close()


EXPECTED = """
IP_ADD_MEMBERSHIP 7 ValueError
IP_ADD_MEMBERSHIP 9 ValueError
IP_DROP_MEMBERSHIP 7 ValueError
IP_DROP_MEMBERSHIP 9 ValueError
"""
