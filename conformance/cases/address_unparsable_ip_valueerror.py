"""An address string ipaddr_aton cannot parse, such as "999.1.1.1", raises ValueError (reference
§3)."""


def dut(ctl):
    import socket

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for call in ("bind", "sendto"):
        try:
            if call == "bind":
                s.bind(("999.1.1.1", 5000))
            else:
                s.sendto(b"x", ("999.1.1.1", 5000))
            print(call, "accepted")
        except ValueError:
            print(call, "ValueError")
    s.close()


EXPECTED = """
bind ValueError
sendto ValueError
"""
