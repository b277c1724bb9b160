"""What the TLS modules show: tls is built in (SSLContext and the constants, no SSLError),
ssl is the frozen wrapper that imports tls (ssl.tls) and adds wrap_socket, its SSLContext has
no cipher methods (tls.SSLContext has them), and there is no ussl (design: TLS as extmod/modtls_mbedtls.c has it)."""

NEEDS = ("tls",)


def dut(ctl):
    import ssl
    import tls

    print(
        "tls",
        tls.PROTOCOL_TLS_CLIENT,
        tls.PROTOCOL_TLS_SERVER,
        tls.CERT_NONE,
        tls.CERT_OPTIONAL,
        tls.CERT_REQUIRED,
    )
    print(
        "ssl.tls",
        ssl.tls is tls,
        "wrap_socket",
        hasattr(ssl, "wrap_socket"),
        "SSLError",
        hasattr(ssl, "SSLError"),
    )
    print(
        "same constants", ssl.CERT_REQUIRED == tls.CERT_REQUIRED, ssl.MBEDTLS_VERSION == tls.MBEDTLS_VERSION
    )
    print("mbedtls", tls.MBEDTLS_VERSION.startswith("Mbed TLS "))
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    print("ssl context ciphers", hasattr(client, "set_ciphers"), hasattr(client, "get_ciphers"))
    print(
        "tls context ciphers",
        hasattr(tls.SSLContext(0), "set_ciphers"),
        hasattr(tls.SSLContext(0), "get_ciphers"),
    )
    try:
        __import__("ussl")  # the u-names are gone with ssl in Python (MicroPython 1.23)
        print("ussl imports")
    except ImportError:
        print("no ussl")


EXPECTED = """
tls 0 1 0 1 2
ssl.tls True wrap_socket True SSLError False
same constants True True
mbedtls True
ssl context ciphers False False
tls context ciphers True True
no ussl
"""
