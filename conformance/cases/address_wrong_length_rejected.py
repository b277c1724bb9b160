"""An address that is not a 2-sequence fails in argument unpacking, with TypeError or
ValueError, before anything is sent (reference §3)."""


def dut(ctl):
    import socket

    s = socket.socket()
    for address in (("127.0.0.1",), ("127.0.0.1", 80, 0), "127.0.0.1"):
        try:
            s.connect(address)
            print(len(address), "accepted")
        except (TypeError, ValueError):
            print(len(address), "rejected")
    s.close()


EXPECTED = """
1 rejected
3 rejected
9 rejected
"""
