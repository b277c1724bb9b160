"""A socket dropped without close() is closed when the garbage collector frees it (its
finaliser, `__del__`): at the limit, drop one, collect, and socket() succeeds again (reference §5
"Garbage collection closes an unreferenced socket", §1 `__del__`, §9 MEMP_NUM_TCP_PCB)."""

NEEDS = ("tcp_pcbs <= 64",)


def dut(ctl):
    import gc
    import socket

    sockets = [socket.socket() for _ in range(ctl.facts["tcp_pcbs"])]

    def drop_one():  # in its own frame, so no stale reference stays in this one
        sockets.pop()

    drop_one()
    gc.collect()
    try:
        sockets.append(socket.socket())
        print("created again after a dropped socket was collected")
    except OSError as e:
        print("still at the limit", e.args[0])
    for s in sockets:
        s.close()


EXPECTED = """
created again after a dropped socket was collected
"""
