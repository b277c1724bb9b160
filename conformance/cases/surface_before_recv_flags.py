"""Before v1.26 the socket module has no MSG_PEEK nor MSG_DONTWAIT, and recv takes no flags
argument (reference §11; MicroPython's "Add support for socket recv flags argument")."""

NEEDS = ("micropython < 1.26",)


def dut(ctl):
    import socket

    print("MSG_PEEK", getattr(socket, "MSG_PEEK", None))
    print("MSG_DONTWAIT", getattr(socket, "MSG_DONTWAIT", None))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.recv(10, 2)
        print("flags taken")
    except TypeError:
        print("recv with flags: TypeError")
    u.close()


EXPECTED = """
MSG_PEEK None
MSG_DONTWAIT None
recv with flags: TypeError
"""
