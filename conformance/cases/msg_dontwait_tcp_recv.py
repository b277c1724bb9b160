"""MSG_DONTWAIT makes one recv non-blocking (EAGAIN) on a blocking socket, which stays
blocking for the next call (reference §4: "makes that one call non-blocking")."""

NEEDS = ("micropython >= 1.26",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    try:
        s.recv(10, socket.MSG_DONTWAIT)
        print("received")
    except OSError as e:
        print("recv MSG_DONTWAIT", e.args[0])
    ctl.send("waiting")
    print("recv", s.recv(10))
    s.close()


def host(peer):
    import time

    conn = peer.accept()
    peer.wait("waiting")
    time.sleep(0.2)
    conn.sendall(b"data")


EXPECTED = """
recv MSG_DONTWAIT 11
recv b'data'
"""
