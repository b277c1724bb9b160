"""POLLERR and POLLHUP are reported even when not requested: a new TCP socket registered for
POLLIN alone polls as POLLHUP (reference §8)."""


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    poller = select.poll()
    poller.register(s, select.POLLIN)
    print("revents", [flags for _, flags in poller.poll(0)])
    s.close()


EXPECTED = """
revents [16]
"""
