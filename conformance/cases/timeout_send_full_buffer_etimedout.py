"""send with a timeout when the send buffer stays full raises OSError(ETIMEDOUT) (reference §5
send: "waits until at least 16 bytes are free (or the timeout → ETIMEDOUT)")."""

# ctl.fill queues at most 20 MB; a camera-sized send buffer fills long before.
NEEDS = ("tcp_snd_buf <= 262144",)


def dut(ctl):
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.connect(ctl.address(ctl.host_ip, port))
    print("filled", ctl.fill(s) > 0)
    s.settimeout(0.3)
    error, waited = ctl.send_until_error(s)
    print("send", error)
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
send 110
"""
