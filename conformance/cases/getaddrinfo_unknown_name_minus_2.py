"""A name the DNS server does not know raises OSError(-2): a negative number, not a gaierror
(reference §3 getaddrinfo; lwip_getaddrinfo_cb sets -2 when the DNS answer has no address).
Without a DNS server it is -6 (getaddrinfo_without_dns_server_minus_6)."""

NEEDS = ("dns",)


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
