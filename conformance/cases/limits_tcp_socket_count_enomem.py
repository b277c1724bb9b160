"""With every TCP PCB in use (MEMP_NUM_TCP_PCB, 5 on the OpenMV boards), the next socket()
raises OSError(ENOMEM) (reference §2, §9; README: OSError(12) for the sixth TCP socket)."""

NEEDS = ("tcp_pcbs <= 64",)


def dut(ctl):
    import socket

    sockets = []
    try:
        while len(sockets) < 100:
            sockets.append(socket.socket())
        print("no limit")
    except OSError as e:
        print("created", len(sockets), "then", e.args[0])
    for s in sockets:
        s.close()


EXPECTED = """
created ${tcp_pcbs} then 12
"""
