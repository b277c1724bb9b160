"""When the peer resets the connection, the first recv raises ECONNRESET and later recvs
return b'' (reference §5 error state machine; lwip_tcp_receive)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.send("connected")
    ctl.wait("reset")
    ctl.until_readable(s)  # the RST has arrived
    for _ in range(2):
        try:
            print("recv", s.recv(16))
        except OSError as e:
            print("recv", e.args[0])
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
recv 104
recv b''
"""
