"""A peer that ends its TLS session with close_notify gives the reader the end of the stream:
read() returns what came and then b'' (design: socket_read: MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY is 0)."""

NEEDS = ("tls",)


def dut(ctl):
    import socket

    import ssl

    s = socket.socket()
    s.connect(ctl.peer)
    t = ssl.wrap_socket(s, server_hostname="polite.example")
    print("read", t.read())
    print("read", t.read(1))
    t.close()


def host(peer):
    from mpsock.conformance import tls_peer

    tls = tls_peer.serve(peer.accept(), tls_peer.material().server)
    assert not isinstance(tls, Exception), tls
    tls.sendall(b"the whole reply")
    try:
        tls.unwrap().close()
    except OSError:
        pass


EXPECTED = """
read b'the whole reply'
read b''
"""
