"""readline() returns one line up to and including b'\\n', and at EOF what is left, then b''
(reference §5 readline)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.send("connected")  # before the peer sends and closes (see reference §12)
    for _ in range(4):
        print("readline", s.readline())
    s.close()


def host(peer):
    conn = peer.accept()
    peer.wait("connected")
    conn.sendall(b"first\nsecond\nno newline")
    conn.close()


EXPECTED = """
readline b'first\\n'
readline b'second\\n'
readline b'no newline'
readline b''
"""
