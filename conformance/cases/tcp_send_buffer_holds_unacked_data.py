"""Data the peer has not acknowledged stays in the send buffer: to a peer that does not read
(its window closed after a few KiB), non-blocking sends raise EAGAIN once about TCP_SND_BUF
bytes plus that window are queued (reference §5 send: "min(len, free send buffer)"; §9
TCP_SND_BUF)."""

NEEDS = ("tcp_snd_buf <= 262144",)


def dut(ctl):
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.connect(ctl.address(ctl.host_ip, port))
    queued = ctl.fill(s)
    # The peer's window is at most a few KiB (its receive buffer is 2 KiB); 64 KiB is slack.
    print("queued at most TCP_SND_BUF + window", 0 < queued <= ctl.facts["tcp_snd_buf"] + 65536)
    ctl.send("done")
    s.close()


def host(peer):
    listener, port = peer.listen(receive_buffer=2048)
    peer.send("port", port)
    conn = peer.accept(listener=listener)  # and never read from
    peer.wait("done")
    conn.close()


EXPECTED = """
queued at most TCP_SND_BUF + window True
"""
