"""Verifying with no CA loaded fails with MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED (design: mbedTLS's
ssl_parse_certificate_verify: "got no CA chain")."""

NEEDS = ("tls",)


def dut(ctl):
    import socket

    import tls

    s = socket.socket()
    s.connect(ctl.peer)
    try:
        tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).wrap_socket(s, server_hostname=ctl.wait("name"))
        print("handshake completed")
    except OSError as e:
        print("OSError", e.args[0])
    s.close()


def host(peer):
    from mpsock.conformance import tls_peer

    peer.send("name", tls_peer.NAME)
    tls_peer.serve(peer.accept(), tls_peer.material().server)


EXPECTED = """
OSError -30336
"""
