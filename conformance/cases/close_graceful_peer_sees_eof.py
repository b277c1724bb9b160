"""close() on a connection with nothing unread closes gracefully: the peer receives all the
data sent before, then EOF (reference §5 close: "starts a graceful close (FIN)")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    s.send(b"goodbye")
    s.close()
    print("peer saw", ctl.wait("saw"))


def host(peer):
    conn = peer.accept()
    received = b""
    try:
        while True:
            chunk = conn.recv(64)
            if not chunk:
                outcome = "EOF"
                break
            received += chunk
    except ConnectionResetError:
        outcome = "reset"
    peer.send("saw", "%r then %s" % (received, outcome))


EXPECTED = """
peer saw b'goodbye' then EOF
"""
