"""sendall on a UDP socket raises NotImplementedError (reference §6; checked against the real
code)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.sendall(b"x")
        print("sent")
    except NotImplementedError:
        print("NotImplementedError")
    u.close()


EXPECTED = """
NotImplementedError
"""
