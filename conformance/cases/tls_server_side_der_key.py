"""A TLS server on the DUT: SSLContext(PROTOCOL_TLS_SERVER) with a DER key and certificate,
wrap_socket(server_side=True) on an accepted socket; a verifying client gets through, and no
client certificate is asked for (design: verify_mode CERT_NONE on a server context)."""

NEEDS = ("tls", "dut_ip")


def dut(ctl):
    import binascii
    import socket

    import ssl

    cert = binascii.unhexlify(ctl.wait("cert"))
    key = binascii.unhexlify(ctl.wait("key"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    print("verify_mode", context.verify_mode)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ctl.bind_addr)
    s.listen(1)
    ctl.send("listening")
    conn, _ = s.accept()
    t = context.wrap_socket(conn, server_side=True)
    print("readline", t.readline())
    print("client certificate", t.getpeercert(True))
    t.write(b"welcome\n")
    ctl.wait("received")
    t.close()
    s.close()


def host(peer):
    from mpsock.conformance import tls_peer

    material = tls_peer.material()
    peer.send("cert", tls_peer.hex_of(material.camera.der))
    peer.send("key", tls_peer.hex_of(material.camera.key_der))
    peer.wait("listening")
    raw = peer.connect()
    tls = material.client_context().wrap_socket(raw, server_hostname="openmv-cam.local")
    tls.sendall(b"hello camera\n")
    answer = tls.recv(100)
    peer.send("received")
    assert answer == b"welcome\n", answer


EXPECTED = """
verify_mode 0
readline b'hello camera\\n'
client certificate None
"""
