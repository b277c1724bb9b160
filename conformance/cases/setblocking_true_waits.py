"""setblocking(True) after setblocking(False) makes recv wait again for data (reference §4:
setblocking(True/False) = settimeout(None/0))."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    s.setblocking(False)
    s.setblocking(True)
    ctl.send("waiting")
    print("recv", s.recv(16))
    s.close()


def host(peer):
    import time

    conn = peer.accept()
    peer.wait("waiting")
    time.sleep(0.3)  # the DUT is in recv by now, and must still be waiting
    conn.sendall(b"late data")


EXPECTED = """
recv b'late data'
"""
