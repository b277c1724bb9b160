"""accept on a UDP socket raises OSError(EOPNOTSUPP) (reference §5 accept: "UDP → EOPNOTSUPP")."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.accept()
        print("accepted")
    except OSError as e:
        print("accept", e.args[0])
    u.close()


EXPECTED = """
accept 95
"""
