"""The firmware's socket has no getsockname, getpeername, fileno, shutdown, getsockopt or
detach: a script calling one gets AttributeError on the camera (reference §1)."""

NEEDS = ("firmware_surface",)


def dut(ctl):
    import socket

    s = socket.socket()
    for name in ("getsockname", "getpeername", "fileno", "shutdown", "getsockopt", "detach"):
        try:
            getattr(s, name)
            print(name, "present")
        except AttributeError:
            print(name, "AttributeError")
    s.close()


EXPECTED = """
getsockname AttributeError
getpeername AttributeError
fileno AttributeError
shutdown AttributeError
getsockopt AttributeError
detach AttributeError
"""
