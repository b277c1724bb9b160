"""recv on a non-blocking socket with nothing queued raises OSError(EAGAIN) (reference §4 outcome
rules: timeout 0 and nothing possible → EAGAIN)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    s.setblocking(False)
    try:
        s.recv(10)
        print("received")
    except OSError as e:
        print("recv", e.args[0])
    s.close()


def host(peer):
    peer.accept()


EXPECTED = """
recv 11
"""
