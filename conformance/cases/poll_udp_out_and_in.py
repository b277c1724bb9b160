"""A UDP socket always polls POLLOUT while open, and POLLIN | POLLOUT (5) with a datagram
queued (reference §8 POLLOUT: "UDP always"; POLLIN: "UDP socket with a queued datagram")."""


def dut(ctl):
    import select
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    poller = select.poll()
    poller.register(u, select.POLLIN | select.POLLOUT)
    print("new", [flags for _, flags in poller.poll(0)])
    u.sendto(b"hello", ctl.peer)
    ctl.wait("sent")
    ctl.until_readable(u)
    print("with a datagram", [flags for _, flags in poller.poll(0)])
    u.close()


def host(peer):
    _, address = peer.udp.recvfrom(64)
    peer.udp.sendto(b"datagram", address)
    peer.send("sent")


EXPECTED = """
new [4]
with a datagram [5]
"""
