"""A connected TCP socket polls POLLOUT, and POLLIN | POLLOUT (5) once data is queued (reference §8
POLLIN and POLLOUT)."""


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    poller = select.poll()
    poller.register(s, select.POLLIN | select.POLLOUT)
    print("connected", [flags for _, flags in poller.poll(0)])
    ctl.send("connected")
    ctl.wait("sent")
    ctl.until_readable(s)
    print("with data", [flags for _, flags in poller.poll(0)])
    s.close()


def host(peer):
    conn = peer.accept()
    peer.wait("connected")
    conn.sendall(b"data")
    peer.send("sent")


EXPECTED = """
connected [4]
with data [5]
"""
