"""A connection reset by the peer polls as OUT | ERR | HUP | IN (29) until recv reports the
reset, then as HUP | IN (17) (reference §8 "Reset by peer")."""


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.send("connected")
    ctl.wait("reset")
    ctl.until_readable(s)
    poller = select.poll()
    poller.register(s, select.POLLIN | select.POLLOUT)
    print("before recv", [flags for _, flags in poller.poll(0)])
    try:
        s.recv(10)
    except OSError as e:
        print("recv", e.args[0])
    print("after recv", [flags for _, flags in poller.poll(0)])
    s.close()


def host(peer):
    import socket as native
    import struct

    conn = peer.accept()
    peer.wait("connected")
    conn.setsockopt(native.SOL_SOCKET, native.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # with linger 0: RST
    peer.send("reset")


EXPECTED = """
before recv [29]
recv 104
after recv [17]
"""
