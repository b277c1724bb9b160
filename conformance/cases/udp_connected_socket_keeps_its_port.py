"""A UDP socket keeps its port when a connected socket sends elsewhere with sendto and when it
connects again: lwIP's udp_connect and udp_sendto leave the pcb's local port alone, so the
first peer's replies still reach it (reference §6)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.connect(ctl.peer)
    print("send", u.send(b"first"))
    other = ctl.address(ctl.host_ip, int(ctl.wait("other")))
    print("sendto elsewhere", u.sendto(b"elsewhere", other))
    u.connect(other)
    print("send to the other", u.send(b"connected again"))
    u.connect(ctl.peer)
    print("send back", u.send(b"back"))
    print("one port", ctl.wait("ports"))
    u.settimeout(5)  # a reply lost to a changed port fails the case, not the run's time limit
    print("recv", u.recv(64))
    u.close()


def host(peer):
    _, first = peer.udp.recvfrom(64)
    other = peer.udp_socket()
    peer.send("other", other.getsockname()[1])
    _, elsewhere = other.recvfrom(64)
    _, again = other.recvfrom(64)
    _, back = peer.udp.recvfrom(64)
    peer.send("ports", first == back and first[1] == elsewhere[1] == again[1])
    peer.udp.sendto(b"reply", first)


EXPECTED = """
send 5
sendto elsewhere 9
send to the other 15
send back 4
one port True
recv b'reply'
"""
