"""ssl.wrap_socket(sock, server_hostname=...) does not verify (cert_reqs defaults to
CERT_NONE, micropython-lib ssl.py): a certificate from an unknown CA is accepted (design: TLS as extmod/modtls_mbedtls.c has it)."""

NEEDS = ("tls",)


def dut(ctl):
    import socket

    import ssl

    s = socket.socket()
    s.connect(ctl.peer)
    t = ssl.wrap_socket(s, server_hostname="anything.example")
    t.write(b"hi\n")
    print("readline", t.readline())
    t.close()


def host(peer):
    from mpsock.conformance import tls_peer

    tls = tls_peer.serve(peer.accept(), tls_peer.material().untrusted)
    assert not isinstance(tls, Exception), tls
    tls.sendall(tls.recv(100))
    tls_peer.read_until_closed(tls)


EXPECTED = """
readline b'hi\\n'
"""
