"""select.select(rlist, wlist, xlist, timeout_s) lists a socket with queued data as readable
and returns empty lists on timeout (reference §1 select module)."""

NEEDS = ("select_select",)


def dut(ctl):
    import select
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"hello", ctl.peer)
    r, w, x = select.select([u], [], [], 0.2)
    print("before", len(r), len(w), len(x))
    ctl.send("checked")
    ctl.wait("sent")
    r, w, x = select.select([u], [], [], 3)
    print("after", len(r), r and r[0] is u, len(w), len(x))
    u.close()


def host(peer):
    _, address = peer.udp.recvfrom(64)
    peer.wait("checked")
    peer.udp.sendto(b"datagram", address)
    peer.send("sent")


EXPECTED = """
before 0 0 0
after 1 True 0 0
"""
