"""send on a socket whose non-blocking connect is still in progress, once made blocking,
waits for the connection and sends (spec §5 send: "Sending while still connecting waits for
the connection")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(ctl.peer)
    except OSError as e:
        print("connect", e.args[0])
    s.settimeout(3)
    print("send", s.send(b"early"))
    print("peer received", ctl.wait("received"))
    s.close()


def host(peer):
    conn = peer.accept()
    peer.send("received", repr(conn.recv(16)))


EXPECTED = """
connect 115
send 5
peer received b'early'
"""
