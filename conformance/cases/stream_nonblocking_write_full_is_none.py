"""write on a non-blocking socket whose send buffer is full writes nothing and returns None
(reference §5 write: "or None if nothing could be written"). The buffer is kept full until no
ACK is left to free room, so the check does not depend on how fast the link is."""

# ctl.fill queues at most 20 MB; a camera-sized send buffer fills long before.
NEEDS = ("tcp_snd_buf <= 262144",)


def dut(ctl):
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.connect(ctl.address(ctl.host_ip, port))
    print("filled", ctl.fill(s) > 0 and ctl.keep_full(s))
    print("write", s.write(bytes(1000)))
    ctl.send("done")
    s.close()


def host(peer):
    listener, port = peer.listen(receive_buffer=2048)
    peer.send("port", port)
    conn = peer.accept(listener=listener)  # and never read from
    peer.wait("done")
    conn.close()  # resets the connection, so the DUT's close need not wait to deliver its data


EXPECTED = """
filled True
write None
"""
