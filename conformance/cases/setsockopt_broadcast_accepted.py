"""SO_BROADCAST on a UDP socket is a known option: it returns None and prints no warning
(reference §6 "Broadcast needs SO_BROADCAST", §7)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("SO_BROADCAST", u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1))
    print("SO_BROADCAST off", u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 0))
    u.close()


EXPECTED = """
SO_BROADCAST None
SO_BROADCAST off None
"""
