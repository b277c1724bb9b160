"""A handshake whose server closes the connection without answering fails with
MBEDTLS_ERR_SSL_CONN_EOF, -0x7280 (design: TLS as extmod/modtls_mbedtls.c has it)."""

NEEDS = ("tls",)


def dut(ctl):
    import socket

    import ssl

    s = socket.socket()
    s.connect(ctl.peer)
    try:
        ssl.wrap_socket(s, server_hostname="closing.example")
        print("handshake completed")
    except OSError as e:
        print("OSError", e.args[0])
    s.close()


def host(peer):
    conn = peer.accept()
    conn.recv(4096)
    conn.close()


EXPECTED = """
OSError -29312
"""
