"""Before v1.25, send on a socket whose non-blocking connect is still in progress takes the
data at once (lwIP's tcp_write queues it on the pcb in SYN_SENT), and the socket polls
writable; the data goes out after the handshake (reference §11)."""

NEEDS = ("micropython < 1.25",)
TIMEOUT = 30


def dut(ctl):
    import select
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(ctl.address(ctl.host_ip, port))
    except OSError as e:
        print("connect", e.args[0])
    poller = select.poll()
    poller.register(s, select.POLLOUT)
    print("writable while connecting", len(poller.poll(0)) == 1)
    print("send", s.send(b"early"))
    ctl.send("started")
    print("peer received", ctl.wait("received"))
    s.close()


def host(peer):
    listener, port, answer = peer.slow_listener()
    peer.send("port", port)
    peer.wait("started")
    answer()
    conn = peer.accept(listener=listener, timeout=20)
    peer.send("received", repr(conn.recv(16)))


EXPECTED = """
connect 115
writable while connecting True
send 5
peer received b'early'
"""
