"""Closing a TCP socket gives its PCB back: at the limit, close one and socket() succeeds
again (reference §5 close, §9 MEMP_NUM_TCP_PCB)."""

NEEDS = ("tcp_pcbs <= 64",)


def dut(ctl):
    import socket

    sockets = [socket.socket() for _ in range(ctl.facts["tcp_pcbs"])]
    sockets.pop().close()
    sockets.append(socket.socket())
    print("created again after a close")
    for s in sockets:
        s.close()


EXPECTED = """
created again after a close
"""
