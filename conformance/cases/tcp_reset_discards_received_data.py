"""Before v1.28, the peer's reset throws away data that arrived before it: the first recv
raises OSError(ECONNRESET), later ones return b'' (reference §5 error state machine, §11)."""

NEEDS = ("micropython < 1.28",)


def dut(ctl):
    import select
    import socket
    import time

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.send("connected")
    ctl.wait("reset")
    poller = select.poll()
    poller.register(s, select.POLLIN)
    flags = 0
    started = time.ticks_ms()
    while not flags & select.POLLHUP and time.ticks_diff(time.ticks_ms(), started) < 5000:
        ready = poller.poll(100)
        flags = ready[0][1] if ready else 0  # until the reset has arrived
    for _ in range(2):
        try:
            print("recv", s.recv(10))
        except OSError as e:
            print("recv", e.args[0])
    s.close()


def host(peer):
    import socket as native
    import struct

    conn = peer.accept()
    peer.wait("connected")
    conn.sendall(b"d" * 18)
    conn.setsockopt(native.SOL_SOCKET, native.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # with linger 0: RST, after the data
    peer.send("reset")


EXPECTED = """
recv 104
recv b''
"""
