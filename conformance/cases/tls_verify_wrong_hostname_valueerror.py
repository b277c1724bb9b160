"""A server whose certificate is for another name fails verification: ValueError with
mbedtls_x509_crt_verify_info's line for BADCERT_CN_MISMATCH (design: modtls_mbedtls.c cleanup)."""

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
        context.wrap_socket(s, server_hostname="some-other-name.example")
        print("handshake completed")
    except ValueError as e:
        print("ValueError", [line for line in str(e).split("\n") if line])
    s.close()


def host(peer):
    from mpsock.conformance import tls_peer

    material = tls_peer.material()
    peer.send("ca", tls_peer.hex_of(material.ca.der))
    tls_peer.serve(peer.accept(), material.server)


EXPECTED = """
ValueError ['The certificate Common Name (CN) does not match with the expected CN']
"""
