"""A registered socket that is closed polls as POLLNVAL (0x20) (reference §8; checked against the
real code: 32)."""


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    poller = select.poll()
    poller.register(s, select.POLLIN)
    s.close()
    print("revents", [flags for _, flags in poller.poll(0)])


EXPECTED = """
revents [32]
"""
