"""A blocking sendall queues all of a buffer several times TCP_SND_BUF, looping over short
sends; the peer receives every byte (reference §5 sendall)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    data = bytes(range(256)) * 200
    print("sendall", s.sendall(data))
    print("peer received", ctl.wait("received"), "of", len(data))
    s.close()


def host(peer):
    conn = peer.accept()
    received = b""
    while len(received) < 51200:
        chunk = conn.recv(65536)
        if not chunk:
            break
        received += chunk
    peer.send("received", "%d intact %s" % (len(received), received == bytes(range(256)) * 200))


EXPECTED = """
sendall None
peer received 51200 intact True of 51200
"""
