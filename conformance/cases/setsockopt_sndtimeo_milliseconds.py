"""Where the socket module has it (not lwIP: reference §1), setsockopt(SOL_SOCKET,
SO_SNDTIMEO, ms) sets the send timeout in milliseconds: a send that finds the buffer full
raises ETIMEDOUT after about that long (reference §4, §7)."""

# ctl.fill queues at most 20 MB; a camera-sized send buffer fills long before.
NEEDS = ("timeout_options", "tcp_snd_buf <= 262144")


def dut(ctl):
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.connect(ctl.address(ctl.host_ip, port))
    print("filled", ctl.fill(s) > 0)
    s.setblocking(True)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, 300)
    error, waited = ctl.send_until_error(s)
    print("send", error, "after about 300 ms", 200 <= waited < 3000)
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
send 110 after about 300 ms True
"""
