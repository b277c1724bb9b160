"""A UDP socket queues 4 datagrams (1 before v1.26); more that arrive before the script reads
are dropped silently (reference §6, §9 UDP receive queue, §11; checked against the real code)."""

NEEDS = ("udp_queue <= 64",)


def dut(ctl):
    import socket
    import time

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"hello", ctl.peer)
    ctl.wait("sent")
    time.sleep(0.5)  # every datagram has arrived
    u.setblocking(False)
    received = []
    while True:
        try:
            received.append(int(u.recv(16)))
        except OSError as e:
            print("received", len(received), "then", e.args[0])
            break
    print("the first ones, in order", received == list(range(len(received))))
    u.close()


def host(peer):
    _, address = peer.udp.recvfrom(64)
    for number in range(peer.facts["udp_queue"] + 2):
        peer.udp.sendto(b"%d" % number, address)
    peer.send("sent")


EXPECTED = """
received ${udp_queue} then 11
the first ones, in order True
"""
