"""An empty host string in an address means "any": a server bound to ("", port) accepts a
connection to that port (reference §3: "An empty string means any")."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", ctl.own_port))  # the firmware's tuple form, as scripts write it
    s.listen(1)
    ctl.send("listening")
    conn, _ = s.accept()
    print("accepted, recv", conn.recv(16))
    conn.close()
    s.close()


def host(peer):
    peer.wait("listening")
    peer.connect().sendall(b"any")


EXPECTED = """
accepted, recv b'any'
"""
