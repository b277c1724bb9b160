"""ipoll(timeout, 1) is one-shot: an object it yielded has its mask set to 0 and is not
yielded again until modify() re-arms it (reference §1 ipoll flags=1)."""


def dut(ctl):
    import select
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    poller = select.poll()
    poller.register(u, select.POLLOUT)
    print("first", [flags for _, flags in poller.ipoll(0, 1)])
    print("second", [flags for _, flags in poller.ipoll(0, 1)])
    poller.modify(u, select.POLLOUT)
    print("re-armed", [flags for _, flags in poller.ipoll(0, 1)])
    u.close()


EXPECTED = """
first [4]
second []
re-armed [4]
"""
