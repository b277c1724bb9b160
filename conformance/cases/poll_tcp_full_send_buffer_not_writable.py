"""A connected TCP socket whose send buffer is full does not poll POLLOUT: POLLOUT needs room
in the send buffer (reference §8 POLLOUT: "TCP when connected (not connecting) and send buffer >
0"; lwip_socket_ioctl's tcp_sndbuf check)."""

NEEDS = ("tcp_snd_buf <= 262144",)


def dut(ctl):
    import select
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.connect(ctl.address(ctl.host_ip, port))
    poller = select.poll()
    poller.register(s, select.POLLOUT)
    print("before", poller.poll(0)[0][1])
    print("filled", ctl.fill(s) > 0 and ctl.keep_full(s))  # no ACK left to free room
    print("when full", poller.poll(0))
    ctl.send("done")
    ctl.wait("reset")
    ctl.until_readable(s)  # the reset arrived: nothing left for close() to deliver
    poller.unregister(s)
    s.close()


def host(peer):
    listener, port = peer.listen(receive_buffer=2048)
    peer.send("port", port)
    conn = peer.accept(listener=listener)  # and never read from
    peer.wait("done")
    conn.close()  # with data unread: a reset
    peer.send("reset")


EXPECTED = """
before 4
filled True
when full []
"""
