"""A listening socket polls POLLIN once a connection is queued, and nothing before (reference §8
POLLIN: "listening socket with a queued connection")."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ctl.bind_addr)
    s.listen(1)
    poller = select.poll()
    poller.register(s, select.POLLIN)
    print("before", poller.poll(0))
    ctl.send("listening")
    ready = poller.poll(3000)
    print("after", [flags for _, flags in ready])
    s.accept()[0].close()
    s.close()


def host(peer):
    peer.wait("listening")
    peer.connect()


EXPECTED = """
before []
after [1]
"""
