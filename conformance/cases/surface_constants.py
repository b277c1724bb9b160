"""The socket module's constants have modlwip's values (reference §1, module surface table)."""

NEEDS = ("micropython >= 1.26",)


def dut(ctl):
    import socket

    names = (
        "AF_INET", "AF_INET6", "SOCK_STREAM", "SOCK_DGRAM", "SOL_SOCKET", "SO_REUSEADDR",
        "SO_BROADCAST", "IPPROTO_IP", "IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP", "IPPROTO_TCP",
        "TCP_NODELAY", "MSG_PEEK", "MSG_DONTWAIT",
    )  # fmt: skip
    for name in names:
        print(name, getattr(socket, name, None))


EXPECTED = """
AF_INET 2
AF_INET6 10
SOCK_STREAM 1
SOCK_DGRAM 2
SOL_SOCKET 1
SO_REUSEADDR 4
SO_BROADCAST 32
IPPROTO_IP 0
IP_ADD_MEMBERSHIP 1024
IP_DROP_MEMBERSHIP 1025
IPPROTO_TCP 6
TCP_NODELAY 64
MSG_PEEK 1
MSG_DONTWAIT 2
"""
