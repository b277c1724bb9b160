"""With every UDP PCB a script can have in use (MEMP_NUM_UDP_PCB, 4 + 1 for mDNS, less the
firmware's own mDNS and DHCP pcbs: 3 on the OpenMV boards), the next UDP socket() raises
OSError(ENOMEM) (reference §2 "No PCB available → ENOMEM", §9 MEMP_NUM_UDP_PCB)."""

NEEDS = ("udp_sockets <= 64",)


def dut(ctl):
    import socket

    sockets = []
    try:
        while len(sockets) < 100:
            sockets.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        print("no limit")
    except OSError as e:
        print("created", len(sockets), "then", e.args[0])
    for s in sockets:
        s.close()


EXPECTED = """
created ${udp_sockets} then 12
"""
