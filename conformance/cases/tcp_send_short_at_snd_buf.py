"""send(buf) larger than the free send buffer queues only what fits: on a fresh connection
exactly TCP_SND_BUF bytes, a short write (reference §5 send; checked against the real code)."""

NEEDS = ("tcp_snd_buf <= 262144",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    size = ctl.facts["tcp_snd_buf"] * 2
    print("send", s.send(bytes(size)), "of", size // 2, "* 2")
    ctl.send("done")
    s.close()


def host(peer):
    conn = peer.accept()
    peer.wait("done")
    conn.close()


EXPECTED = """
send ${tcp_snd_buf} of ${tcp_snd_buf} * 2
"""
