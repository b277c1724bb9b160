"""sendall on a non-blocking socket with more data than the free send buffer raises EAGAIN
without sending anything (reference §5 sendall; checked against the real code)."""

NEEDS = ("tcp_snd_buf <= 262144",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    s.setblocking(False)
    try:
        s.sendall(bytes(ctl.facts["tcp_snd_buf"] + 1))
        print("sent")
    except OSError as e:
        print("sendall", e.args[0])
    s.setblocking(True)
    s.send(b"marker")
    print("peer received first", ctl.wait("first"))
    s.close()


def host(peer):
    conn = peer.accept()
    first = conn.recv(6)
    peer.send("first", repr(first))


EXPECTED = """
sendall 11
peer received first b'marker'
"""
