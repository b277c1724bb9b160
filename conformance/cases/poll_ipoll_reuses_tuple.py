"""ipoll yields one reused 2-tuple for every ready object, not a new tuple each (reference §1
ipoll: "iterator yielding one reused 2-tuple per ready object")."""


def dut(ctl):
    import select
    import socket

    first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    second = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    poller = select.poll()
    poller.register(first, select.POLLOUT)
    poller.register(second, select.POLLOUT)
    yielded = [entry for entry in poller.ipoll(0)]
    print("yielded", len(yielded), "the same tuple", yielded[0] is yielded[1])
    first.close()
    second.close()


EXPECTED = """
yielded 2 the same tuple True
"""
