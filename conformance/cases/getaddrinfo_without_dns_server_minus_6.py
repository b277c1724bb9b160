"""On a board with no DNS server configured (a static address without one), getaddrinfo of a
name raises OSError(-6) (lwIP's ERR_VAL), not -2; numeric addresses still resolve (reference
§3 getaddrinfo; measured on real lwIP)."""

NEEDS = ("not dns",)


def dut(ctl):
    import socket

    try:
        socket.getaddrinfo("no-such-host.invalid", 80)
        print("resolved")
    except OSError as e:
        print("OSError", e.args[0])
    print(socket.getaddrinfo("10.1.2.3", 80)[0][-1])


EXPECTED = """
OSError -6
('10.1.2.3', 80)
"""
