"""A new, never-connected TCP socket polls as POLLHUP | POLLOUT (20) with the default mask
(reference §8; checked against the real code: 20 on a new socket)."""


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    poller = select.poll()
    poller.register(s)
    ready = poller.poll(0)
    print("ready", len(ready), ready[0][0] is s, ready[0][1])
    s.close()


EXPECTED = """
ready 1 True 20
"""
