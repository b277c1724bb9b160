"""A TLS socket over a non-blocking socket with the handshake deferred: the first write()
starts the handshake and returns None while the server has not answered; select.poll for
POLLOUT then waits for the server's reply (socket_ioctl polls the direction the handshake
needs and reports what was asked), and the data then flows both ways (design: TLS as extmod/modtls_mbedtls.c has it)."""

NEEDS = ("tls",)


def dut(ctl):
    import select
    import socket

    import ssl

    s = socket.socket()
    s.connect(ctl.peer)
    s.setblocking(False)
    t = ssl.wrap_socket(s, server_hostname="poll.example", do_handshake=False)
    poller = select.poll()
    poller.register(t, select.POLLOUT)
    print("writable", poller.poll(5000) == [(t, select.POLLOUT)])
    print("first write", t.write(b"hello\n"))
    ctl.send("started")
    written = None
    for _ in range(100):
        ready = poller.poll(5000)
        if ready and ready[0][1] & select.POLLOUT:
            written = t.write(b"hello\n")
            if written is not None:
                break
    print("written", written)
    poller.modify(t, select.POLLIN)
    line = b""
    for _ in range(100):
        if line.endswith(b"\n"):
            break
        if poller.poll(5000):
            chunk = t.read(16)
            if chunk:
                line += chunk
    print("read", line)
    t.close()


def host(peer):
    from mpsock.conformance import tls_peer

    conn = peer.accept()
    peer.wait("started")  # the server answers the client's hello only now
    tls = tls_peer.serve(conn, tls_peer.material().server)
    assert not isinstance(tls, Exception), tls
    tls.sendall(tls.recv(100))
    tls_peer.read_until_closed(tls)


EXPECTED = """
writable True
first write None
written 6
read b'hello\\n'
"""
