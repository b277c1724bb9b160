"""Registering an object again replaces its event mask rather than adding to it (reference §1:
"Registering again replaces the mask")."""


def dut(ctl):
    import select
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    poller = select.poll()
    poller.register(u, select.POLLOUT)
    print("POLLOUT", [flags for _, flags in poller.poll(0)])
    poller.register(u, select.POLLIN)
    print("then POLLIN", [flags for _, flags in poller.poll(0)])
    u.close()


EXPECTED = """
POLLOUT [4]
then POLLIN []
"""
