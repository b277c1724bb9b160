"""A handshake with a server that answers in plain text (an HTTP server on the port) fails
with MBEDTLS_ERR_SSL_INVALID_RECORD, -0x7200: the reply is no TLS record (design: TLS as extmod/modtls_mbedtls.c has it)."""

NEEDS = ("tls",)


def dut(ctl):
    import socket

    import ssl

    s = socket.socket()
    s.connect(ctl.peer)
    try:
        ssl.wrap_socket(s, server_hostname="plain.example")
        print("handshake completed")
    except OSError as e:
        print("OSError", e.args[0])
    s.close()


def host(peer):
    conn = peer.accept()
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    conn.close()


EXPECTED = """
OSError -29184
"""
