"""With every listening PCB in use (MEMP_NUM_TCP_PCB_LISTEN, 8 on the OpenMV boards), the
next listen() raises OSError(ENOMEM); a listening socket gives its TCP PCB back, so more
listeners than TCP sockets fit (reference §5 listen: "no memory → ENOMEM"; §9)."""

NEEDS = ("tcp_listen_pcbs <= 64",)


def dut(ctl):
    import socket

    listeners = []
    failed = None
    while failed is None and len(listeners) < 100:
        s = socket.socket()
        s.bind(ctl.address("0.0.0.0", 0))
        try:
            s.listen(1)
            listeners.append(s)
        except OSError as e:
            failed = e.args[0]
            s.close()
    print("listening", len(listeners), "then listen raised", failed)
    for s in listeners:
        s.close()


EXPECTED = """
listening ${tcp_listen_pcbs} then listen raised 12
"""
