"""From v1.28, data that arrived before the peer's reset is still read: with 18 bytes queued,
recv(10) gives 10, the next the other 8, then OSError(ECONNRESET) once, then b''; poll reports
IN | ERR | HUP (25) while data or the unreported reset remain, IN | HUP (17) after (reference
§5 error state machine, §8, §11; MicroPython's "Keep TCP data on remote RST")."""

NEEDS = ("micropython >= 1.28",)


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
        flags = ready[0][1] if ready else 0  # until the reset, after the data, has arrived
    print("poll", flags)
    for _ in range(2):
        print("recv", len(s.recv(10)))
    print("poll", poller.poll(0)[0][1])
    for _ in range(2):
        try:
            print("recv", s.recv(10))
        except OSError as e:
            print("recv", e.args[0])
        print("poll", poller.poll(0)[0][1])
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
poll 25
recv 10
recv 8
poll 25
recv 104
poll 17
recv b''
poll 17
"""
