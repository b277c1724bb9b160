"""listen on a UDP socket raises OSError(EOPNOTSUPP) (reference §5 listen: "UDP socket →
EOPNOTSUPP")."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.listen(1)
        print("listening")
    except OSError as e:
        print("listen", e.args[0])
    u.close()


EXPECTED = """
listen 95
"""
