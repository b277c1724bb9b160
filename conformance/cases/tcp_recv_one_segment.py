"""recv(n) returns at most one received segment (<= MSS), however much more has arrived
(reference §5 recv; modlwip lwip_tcp_receive)."""

NEEDS = ("tcp_mss <= 65536",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.wait("sent")
    data = s.recv(100000)
    print("first recv", len(data))
    s.close()


def host(peer):
    conn = peer.accept()
    conn.sendall(bytes(3 * peer.facts["tcp_mss"]))
    peer.send("sent")


EXPECTED = """
first recv ${tcp_mss}
"""
