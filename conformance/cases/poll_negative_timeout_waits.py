"""poll() with no timeout, -1 or None waits until an object is ready, however long (reference §1:
"None or a negative number waits forever")."""


def dut(ctl):
    import select
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"hello", ctl.peer)
    poller = select.poll()
    poller.register(u, select.POLLIN)
    for timeout in ((), (-1,), (None,)):
        ctl.send("waiting")
        ready = poller.poll(*timeout)
        print(timeout, [flags for _, flags in ready], u.recv(16))
    u.close()


def host(peer):
    import time

    _, address = peer.udp.recvfrom(64)
    for number in range(3):
        peer.wait("waiting")
        time.sleep(0.3)  # the DUT is in poll by now
        peer.udp.sendto(b"late %d" % number, address)


EXPECTED = """
() [1] b'late 0'
(-1,) [1] b'late 1'
(None,) [1] b'late 2'
"""
