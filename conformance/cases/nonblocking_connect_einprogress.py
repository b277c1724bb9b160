"""A non-blocking connect whose handshake does not complete at once raises OSError(EINPROGRESS);
completion shows as POLLOUT, and the socket then sends (reference §5 connect, §4 outcome
rules). The peer holds the handshake back, so the case does not depend on the link's speed:
from v1.24 a handshake faster than the connect's one poll completes within the call
(reference §11)."""

TIMEOUT = 30


def dut(ctl):
    import select
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(ctl.address(ctl.host_ip, port))
        print("connected at once")
    except OSError as e:
        print("connect", e.args[0])
    ctl.send("started")
    poller = select.poll()
    poller.register(s, select.POLLOUT)
    ready = poller.poll(15000)
    print("writable", len(ready) == 1 and bool(ready[0][1] & select.POLLOUT))
    s.setblocking(True)
    print("sent", s.send(b"hello"))
    ctl.wait("received")
    s.close()


def host(peer):
    listener, port, answer = peer.slow_listener()
    peer.send("port", port)
    peer.wait("started")
    answer()
    conn = peer.accept(listener=listener, timeout=20)
    assert conn.recv(16) == b"hello"
    peer.send("received")


EXPECTED = """
connect 115
writable True
sent 5
"""
