"""A socket has every method of the firmware's socket type, getaddrinfo is a module function
(reference §1: close, bind, listen, accept, connect, send, recv, sendto, recvfrom, sendall,
settimeout, setblocking, setsockopt, makefile, read, readinto, readline, write)."""


def dut(ctl):
    import socket

    methods = (
        "close", "bind", "listen", "accept", "connect", "send", "recv", "sendto", "recvfrom",
        "sendall", "settimeout", "setblocking", "setsockopt", "makefile", "read", "readinto",
        "readline", "write",
    )  # fmt: skip
    s = socket.socket()
    print("missing methods", [name for name in methods if not hasattr(s, name)])
    print("getaddrinfo", hasattr(socket, "getaddrinfo"))
    s.close()


EXPECTED = """
missing methods []
getaddrinfo True
"""
