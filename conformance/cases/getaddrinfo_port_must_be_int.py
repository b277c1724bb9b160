"""getaddrinfo takes the port as an int: a str port is a TypeError (reference §3 getaddrinfo:
"port must be an int"; lwip_getaddrinfo's mp_obj_get_int)."""


def dut(ctl):
    import socket

    try:
        socket.getaddrinfo("127.0.0.1", "80")
        print("str port accepted")
    except TypeError:
        print("str port TypeError")


EXPECTED = """
str port TypeError
"""
