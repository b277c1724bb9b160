"""One write of the TLS layer puts at most MBEDTLS_SSL_OUT_CONTENT_LEN (4096) bytes in a record:
send() of more returns 4096, write() goes round until all is sent (design: TLS as extmod/modtls_mbedtls.c has it)."""

NEEDS = ("tls", "firmware_surface")


def dut(ctl):
    import socket

    import ssl

    s = socket.socket()
    s.connect(ctl.peer)
    t = ssl.wrap_socket(s, server_hostname="records.example")
    print("send", t.send(bytes(10000)))
    print("write", t.write(bytes(10000)))
    print("echo", len(t.read(14096)))
    t.close()


def host(peer):
    from mpsock.conformance import tls_peer

    tls = tls_peer.serve(peer.accept(), tls_peer.material().server)
    assert not isinstance(tls, Exception), tls
    received = b""
    while len(received) < 14096:
        chunk = tls.recv(65536)
        if not chunk:
            break
        received += chunk
    tls.sendall(received)
    tls_peer.read_until_closed(tls)


EXPECTED = """
send 4096
write 10000
echo 14096
"""
