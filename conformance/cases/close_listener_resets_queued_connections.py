"""Closing a listening socket aborts (RST) the connections still waiting in its accept
queue: their peers see a reset (reference §5 close: "A listening socket aborts (RST) all
connections still waiting in its accept queue")."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ctl.bind_addr)
    s.listen(2)
    ctl.send("listening")
    ctl.wait("connected")
    s.close()
    ctl.send("closed")
    print("peer saw", ctl.wait("saw"))


def host(peer):
    peer.wait("listening")
    client = peer.connect()
    peer.send("connected")
    peer.wait("closed")
    try:
        outcome = "EOF" if client.recv(64) == b"" else "data"
    except ConnectionResetError:
        outcome = "reset"
    peer.send("saw", outcome)


EXPECTED = """
peer saw reset
"""
