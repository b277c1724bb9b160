"""tls.SSLContext verifies a server by default (CERT_REQUIRED) and then needs the name to
check; ssl.SSLContext, the frozen wrapper, starts at CERT_NONE (design: modtls_mbedtls.c
ssl_context_make_new, ssl_socket_make_new; micropython-lib ssl.py)."""

NEEDS = ("tls",)


def dut(ctl):
    import socket

    import ssl
    import tls

    print("tls client", tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).verify_mode)
    print("tls server", tls.SSLContext(tls.PROTOCOL_TLS_SERVER).verify_mode)
    print("ssl client", ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).verify_mode)
    s = socket.socket()
    s.connect(ctl.peer)
    try:
        tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).wrap_socket(s, do_handshake_on_connect=False)
    except ValueError as e:
        print("ValueError", e)
    s.close()


def host(peer):
    peer.accept()


EXPECTED = """
tls client 2
tls server 0
ssl client 0
ValueError CERT_REQUIRED requires server_hostname
"""
