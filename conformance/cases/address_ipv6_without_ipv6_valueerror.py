"""On a board built without IPv6 (every current OpenMV lwIP board), an IPv6 address string
does not parse: ValueError (reference §3, IPv6 paragraph; §9 IPv6 off)."""

NEEDS = ("not ipv6",)


def dut(ctl):
    import socket

    s = socket.socket()
    try:
        s.bind(("::1", 0))
        print("bound")
    except ValueError:
        print("ValueError")
    except OSError as e:
        print("OSError", e.args[0])
    s.close()


EXPECTED = """
ValueError
"""
