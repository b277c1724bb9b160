"""From v1.25, send on a socket whose non-blocking connect is still in progress waits for the
connection (once the socket is blocking) and then sends (reference §5 send: "Sending while
still connecting waits for the connection", §11). The peer holds the handshake back, so the
connect is in progress whatever the link's speed."""

NEEDS = ("micropython >= 1.25",)
TIMEOUT = 30


def dut(ctl):
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(ctl.address(ctl.host_ip, port))
    except OSError as e:
        print("connect", e.args[0])
    ctl.send("started")
    s.settimeout(15)
    print("send", s.send(b"early"))
    print("peer received", ctl.wait("received"))
    s.close()


def host(peer):
    listener, port, answer = peer.slow_listener()
    peer.send("port", port)
    peer.wait("started")
    answer()
    conn = peer.accept(listener=listener, timeout=20)
    peer.send("received", repr(conn.recv(16)))


EXPECTED = """
connect 115
send 5
peer received b'early'
"""
