"""A TLS client verifies the server against the CA it loaded (DER cadata) and the name it
asked for, then reads and writes through the TLS socket: TLS 1.2, the server's certificate
from getpeercert(True) (design: modtls_mbedtls.c ssl_socket_make_new, socket_read, socket_write)."""

NEEDS = ("tls",)


def dut(ctl):
    import binascii
    import socket

    import ssl

    ca = binascii.unhexlify(ctl.wait("ca"))
    server_der = binascii.unhexlify(ctl.wait("cert"))
    s = socket.socket()
    s.connect(ctl.peer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=ca)
    t = context.wrap_socket(s, server_hostname=ctl.wait("name"))
    print("version", t.cipher()[1])
    print("suite", t.cipher()[0].startswith("TLS-ECDHE-ECDSA-WITH-AES-"))
    print("peer certificate", t.getpeercert(True) == server_der)
    print("write", t.write(b"ping\n"))
    print("readline", t.readline())
    t.close()


def host(peer):
    from mpsock.conformance import tls_peer

    material = tls_peer.material()
    peer.send("ca", tls_peer.hex_of(material.ca.der))
    peer.send("cert", tls_peer.hex_of(material.server.der))
    peer.send("name", tls_peer.NAME)
    tls = tls_peer.serve(peer.accept(), material.server)
    assert not isinstance(tls, Exception), tls
    assert tls.recv(100) == b"ping\n"
    tls.sendall(b"pong\n")
    tls_peer.read_until_closed(tls)


EXPECTED = """
version TLSv1.2
suite True
peer certificate True
write 5
readline b'pong\\n'
"""
