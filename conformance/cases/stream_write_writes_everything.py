"""write(buf) on a blocking socket loops until everything is written, however much larger
than the send buffer, and returns the full length (reference §5 write)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    data = bytes(range(256)) * 160
    print("write", s.write(data))
    print("peer received", ctl.wait("received"))
    s.close()


def host(peer):
    conn = peer.accept()
    received = b""
    while len(received) < 40960:
        chunk = conn.recv(65536)
        if not chunk:
            break
        received += chunk
    peer.send("received", "%d intact %s" % (len(received), received == bytes(range(256)) * 160))


EXPECTED = """
write 40960
peer received 40960 intact True
"""
