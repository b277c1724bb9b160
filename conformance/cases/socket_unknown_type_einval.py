"""socket() with a type other than SOCK_STREAM or SOCK_DGRAM raises OSError(EINVAL) (reference §2;
modlwip lwip_socket_make_new)."""


def dut(ctl):
    import socket

    try:
        socket.socket(socket.AF_INET, 99)
        print("created")
    except OSError as e:
        print("OSError", e.args[0])


EXPECTED = """
OSError 22
"""
