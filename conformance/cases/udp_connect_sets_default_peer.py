"""connect on a UDP socket sets its default peer: send then goes there without an address
(reference §5 connect: "UDP connect just sets the default peer"; §6 send)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.connect(ctl.peer)
    print("send", u.send(b"via connect"))
    print("peer received", ctl.wait("received"))
    u.close()


def host(peer):
    data, _ = peer.udp.recvfrom(64)
    peer.send("received", repr(data))


EXPECTED = """
send 11
peer received b'via connect'
"""
