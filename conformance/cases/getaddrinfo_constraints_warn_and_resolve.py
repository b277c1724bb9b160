"""Constraints modlwip does not support (type SOCK_DGRAM, a protocol) only print a warning;
the name still resolves to the one AF_INET/SOCK_STREAM entry (reference §3 getaddrinfo;
mp_warning(RuntimeWarning, "unsupported getaddrinfo constraints"))."""


def dut(ctl):
    import socket

    print(socket.getaddrinfo("127.0.0.1", 53, 0, socket.SOCK_DGRAM))
    print(socket.getaddrinfo("127.0.0.1", 53, socket.AF_INET, 0, 17))


# mp_warning prints "<category>: <text>" on the script's output, nothing before it; the
# category is "RuntimeWarning" or "Warning" depending on MICROPY_WARNINGS_CATEGORY.
EXPECTED = """
~ [RW]*arning: unsupported getaddrinfo constraints
[(2, 1, 0, '', ('127.0.0.1', 53))]
~ [RW]*arning: unsupported getaddrinfo constraints
[(2, 1, 0, '', ('127.0.0.1', 53))]
"""
