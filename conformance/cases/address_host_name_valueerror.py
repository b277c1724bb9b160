"""A host name in an address tuple is not resolved: it raises ValueError (reference §3; modlwip
lwip_parse_inet_addr takes numeric addresses only)."""


def dut(ctl):
    import socket

    s = socket.socket()
    try:
        s.connect(("localhost", 80))
        print("connected")
    except ValueError:
        print("ValueError")
    except OSError as e:
        print("OSError", e.args[0])
    s.close()


EXPECTED = """
ValueError
"""
