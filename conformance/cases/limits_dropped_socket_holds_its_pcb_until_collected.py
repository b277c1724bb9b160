"""A socket dropped without close() keeps its PCB until the garbage collector runs: at the limit,
drop one, and socket() still raises ENOMEM; after gc.collect() it succeeds (reference §5:
"Garbage collection closes an unreferenced socket": the finaliser runs only when the collector
frees the object; modlwip's lwip_socket_make_new does not collect when tcp_new() fails)."""

NEEDS = ("tcp_pcbs <= 64",)


def dut(ctl):
    import gc
    import socket

    gc.collect()
    sockets = [socket.socket() for _ in range(ctl.facts["tcp_pcbs"])]

    def drop_one():  # in its own frame, so no stale reference stays in this one
        sockets.pop()

    drop_one()
    try:
        sockets.append(socket.socket())
        print("created without a collection")
    except OSError as e:
        print("still at the limit", e.args[0])
    gc.collect()
    sockets.append(socket.socket())
    print("created after gc.collect()")
    for s in sockets:
        s.close()


EXPECTED = """
still at the limit 12
created after gc.collect()
"""
