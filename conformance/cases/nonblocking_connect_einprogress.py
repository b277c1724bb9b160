"""A non-blocking connect starts the connection and raises OSError(EINPROGRESS); completion
shows as POLLOUT, and the socket then sends (spec §5 connect, §4 outcome rules)."""


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(ctl.peer)
        print("connected at once")
    except OSError as e:
        print("connect", e.args[0])
    poller = select.poll()
    poller.register(s, select.POLLOUT)
    ready = poller.poll(3000)
    print("writable", len(ready) == 1 and bool(ready[0][1] & select.POLLOUT))
    s.setblocking(True)
    print("sent", s.send(b"hello"))
    ctl.wait("received")
    s.close()


def host(peer):
    conn = peer.accept()
    assert conn.recv(16) == b"hello"
    peer.send("received")


EXPECTED = """
connect 115
writable True
sent 5
"""
