"""recvfrom on a UDP socket with a timeout and no datagram raises OSError(ETIMEDOUT) (reference §6
recv/recvfrom: "Waits per the timing rules")."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(ctl.bind_addr)
    u.settimeout(0.2)
    try:
        u.recvfrom(10)
        print("received")
    except OSError as e:
        print("recvfrom", e.args[0])
    u.close()


EXPECTED = """
recvfrom 110
"""
