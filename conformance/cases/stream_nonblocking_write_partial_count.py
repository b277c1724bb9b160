"""write(buf) on a non-blocking socket with less room than buf returns the count written before
the buffer filled: more than 0, less than len(buf) (reference §5 write: "on a non-blocking socket
returns the count written so far"; py/stream.c mp_stream_rw)."""

NEEDS = ("tcp_snd_buf <= 262144",)


def dut(ctl):
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.connect(ctl.address(ctl.host_ip, port))
    s.setblocking(False)
    size = 4 * ctl.facts["tcp_snd_buf"] + 65536  # more than the buffer and the peer's window
    written = s.write(bytes(size))
    print("wrote part", written is not None and 0 < written < size)
    ctl.send("done")
    ctl.wait("reset")
    ctl.until_readable(s)  # the reset arrived: nothing left for close() to deliver
    s.close()


def host(peer):
    listener, port = peer.listen(receive_buffer=2048)
    peer.send("port", port)
    conn = peer.accept(listener=listener)  # and never read from
    peer.wait("done")
    conn.close()  # with data unread: a reset
    peer.send("reset")


EXPECTED = """
wrote part True
"""
