"""A TLS connection whose peer closes TCP without close_notify ends in an error, not EOF:
the next read raises MBEDTLS_ERR_SSL_CONN_EOF (-0x7280), and the error stays with the socket
(design: socket_read's last_error)."""

NEEDS = ("tls",)


def dut(ctl):
    import socket

    import ssl

    s = socket.socket()
    s.connect(ctl.peer)
    t = ssl.wrap_socket(s, server_hostname="closing.example")
    print("read", t.read(4))
    for _ in range(2):
        try:
            print("read", t.read(1))
        except OSError as e:
            print("OSError", e.args[0])
    t.close()


def host(peer):
    from mpsock.conformance import tls_peer

    tls = tls_peer.serve(peer.accept(), tls_peer.material().server)
    assert not isinstance(tls, Exception), tls
    tls.sendall(b"data")
    tls.close()  # CPython's close sends no close_notify


EXPECTED = """
read b'data'
OSError -29312
OSError -29312
"""
