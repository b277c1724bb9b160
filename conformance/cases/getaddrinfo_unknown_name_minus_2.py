"""A name that does not resolve raises OSError(-2): a negative number, not a gaierror (spec
§3 getaddrinfo; lwip_getaddrinfo_cb sets -2 when the DNS answer has no address)."""


def dut(ctl):
    import socket

    try:
        socket.getaddrinfo("no-such-host.invalid", 80)
        print("resolved")
    except OSError as e:
        print("OSError", e.args[0])


EXPECTED = """
OSError -2
"""
