"""sendto of a datagram bigger than the lwIP heap (MEM_SIZE) raises OSError(ENOMEM): modlwip
takes the datagram's pbuf from that heap and reports ENOMEM when pbuf_alloc fails (reference §6
"No buffer → ENOMEM"; §9 MEM_SIZE; lwip_udp_send)."""

# Payloads are cut to 65535 bytes first, which still does not fit a 64 KiB heap with headers.
NEEDS = ("mem_size <= 65536",)


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.sendto(bytes(ctl.facts["mem_size"] + 100), ctl.peer)
        print("sent")
    except OSError as e:
        print("datagram bigger than MEM_SIZE", e.args[0])
    print("then a small one", u.sendto(b"fits", ctl.peer))
    u.close()


def host(peer):
    data, _ = peer.udp.recvfrom(70000)
    assert data == b"fits", len(data)  # the big one never left


EXPECTED = """
datagram bigger than MEM_SIZE 12
then a small one 4
"""
