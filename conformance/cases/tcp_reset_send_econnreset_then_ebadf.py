"""After the peer resets the connection, send raises the stored ECONNRESET once, then EBADF
(reference §5 error state machine: "raise the stored error once, then EBADF")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.send("connected")
    ctl.wait("reset")
    ctl.until_readable(s)  # the RST has arrived
    for _ in range(2):
        try:
            print("send", s.send(b"x"))
        except OSError as e:
            print("send", e.args[0])
    s.close()


def host(peer):
    import socket as native
    import struct

    conn = peer.accept()
    peer.wait("connected")  # a reset during the DUT's connect would fail the connect instead
    conn.setsockopt(native.SOL_SOCKET, native.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # with linger 0: RST
    peer.send("reset")


EXPECTED = """
send 104
send 9
"""
