"""Closing a UDP socket gives its PCB back: at the limit, close one and a UDP socket() succeeds
again (reference §5 close, §9 MEMP_NUM_UDP_PCB)."""

NEEDS = ("udp_sockets <= 64",)


def dut(ctl):
    import socket

    def udp():
        return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    sockets = [udp() for _ in range(ctl.facts["udp_sockets"])]
    sockets.pop().close()
    sockets.append(udp())
    print("created again after a close")
    for s in sockets:
        s.close()


EXPECTED = """
created again after a close
"""
