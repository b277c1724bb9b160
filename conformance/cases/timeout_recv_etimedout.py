"""recv on a socket with a timeout that expires raises OSError(ETIMEDOUT) (reference §4 outcome
rules: 110, not EAGAIN as on the unix port, not socket.timeout)."""


def dut(ctl):
    import socket
    import time

    s = socket.socket()
    s.connect(ctl.peer)
    s.settimeout(0.3)
    started = time.ticks_ms()
    try:
        s.recv(10)
        print("received")
    except OSError as e:
        waited = time.ticks_diff(time.ticks_ms(), started)
        print("recv", e.args[0], "waited about the timeout", 200 <= waited < 3000)
    s.close()


def host(peer):
    peer.accept()


EXPECTED = """
recv 110 waited about the timeout True
"""
