"""Closing a connection with received data still unread sends RST: the peer sees
ECONNRESET (reference §5 close: "Closing a socket with unread received data sends RST")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.wait("sent")
    ctl.until_readable(s)  # the data has arrived, and stays unread
    s.close()
    ctl.send("closed")
    print("peer saw", ctl.wait("saw"))


def host(peer):
    conn = peer.accept()
    conn.sendall(b"never read")
    peer.send("sent")
    peer.wait("closed")
    try:
        outcome = "data %r" % conn.recv(64)
        if outcome == "data b''":
            outcome = "EOF"
    except ConnectionResetError:
        outcome = "reset"
    peer.send("saw", outcome)


EXPECTED = """
peer saw reset
"""
