"""A server certificate past its validity fails verification: ValueError with the
BADCERT_EXPIRED line (design: the validity period is checked, modtls_mbedtls.c cleanup)."""

NEEDS = ("tls",)


def dut(ctl):
    import binascii
    import socket

    import ssl

    ca = binascii.unhexlify(ctl.wait("ca"))
    s = socket.socket()
    s.connect(ctl.peer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=ca)
    try:
        context.wrap_socket(s, server_hostname=ctl.wait("name"))
        print("handshake completed")
    except ValueError as e:
        print("ValueError", [line for line in str(e).split("\n") if line])
    s.close()


def host(peer):
    from mpsock.conformance import tls_peer

    material = tls_peer.material()
    peer.send("ca", tls_peer.hex_of(material.ca.der))
    peer.send("name", tls_peer.NAME)
    tls_peer.serve(peer.accept(), material.expired)


EXPECTED = """
ValueError ['The certificate validity has expired']
"""
