"""connect on a socket that is already connected raises OSError(EISCONN) (reference §5 connect)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    try:
        s.connect(ctl.peer)
        print("connected twice")
    except OSError as e:
        print("connect", e.args[0])
    s.close()


def host(peer):
    peer.accept()


EXPECTED = """
connect 106
"""
