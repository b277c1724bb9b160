"""After the peer closes (FIN), the requested POLLIN and POLLOUT are both reported, and recv
gives EOF (reference §8 "Peer closed (FIN)"; checked against the real code)."""


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.send("connected")
    ctl.wait("closed")
    ctl.until_readable(s)
    poller = select.poll()
    poller.register(s, select.POLLIN | select.POLLOUT)
    print("revents", [flags for _, flags in poller.poll(0)])
    print("recv", s.recv(10))
    s.close()


def host(peer):
    conn = peer.accept()
    peer.wait("connected")
    conn.close()
    peer.send("closed")


EXPECTED = """
revents [5]
recv b''
"""
