"""On a board with IPv6, a numeric IPv6 address resolves to one entry whose family and type
are still AF_INET and SOCK_STREAM (reference §3 getaddrinfo: "even for an IPv6 result")."""

NEEDS = ("ipv6",)


def dut(ctl):
    import socket

    print(socket.getaddrinfo("::1", 80))


EXPECTED = """
[(2, 1, 0, '', ('::1', 80))]
"""
