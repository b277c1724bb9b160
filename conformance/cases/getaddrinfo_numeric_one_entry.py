"""getaddrinfo of a numeric address returns, without DNS, a list of exactly one 5-tuple
(AF_INET, SOCK_STREAM, 0, '', (ip, port)) (reference §3 getaddrinfo; lwip_getaddrinfo)."""


def dut(ctl):
    import socket

    result = socket.getaddrinfo("127.0.0.1", 8080)
    print(type(result) is list, len(result))
    print(result[0])


EXPECTED = """
True 1
(2, 1, 0, '', ('127.0.0.1', 8080))
"""
