"""Where the socket module has it (not lwIP: reference §1), setsockopt(SOL_SOCKET,
SO_RCVTIMEO, ms) sets the receive timeout in milliseconds: recv raises ETIMEDOUT after about
that long (reference §4, §7)."""

NEEDS = ("timeout_options",)


def dut(ctl):
    import socket
    import time

    s = socket.socket()
    s.connect(ctl.peer)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 300)
    started = time.ticks_ms()
    try:
        s.recv(10)
        print("received")
    except OSError as e:
        waited = time.ticks_diff(time.ticks_ms(), started)
        print("recv", e.args[0], "after about 300 ms", 200 <= waited < 3000)
    s.close()


def host(peer):
    peer.accept()


EXPECTED = """
recv 110 after about 300 ms True
"""
