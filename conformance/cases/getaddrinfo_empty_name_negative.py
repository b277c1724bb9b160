"""An empty host name fails with OSError carrying lwIP's negative error code, passed
through (reference §3 getaddrinfo: "other lwIP error codes ... pass through negative")."""


def dut(ctl):
    import socket

    try:
        socket.getaddrinfo("", 80)
        print("resolved")
    except OSError as e:
        print("OSError negative", e.args[0] < 0)


EXPECTED = """
OSError negative True
"""
