"""tls.SSLContext.set_ciphers takes mbedTLS suite names from get_ciphers(); an unknown name
or an empty list raises OSError(MBEDTLS_ERR_SSL_BAD_CONFIG, -0x5E80) (design: TLS as extmod/modtls_mbedtls.c has it)."""

NEEDS = ("tls",)


def dut(ctl):
    import tls

    context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ciphers = context.get_ciphers()
    print("names", all(name.startswith("TLS-") for name in ciphers))
    print("has", "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256" in ciphers)
    context.set_ciphers(["TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"])
    for bad in (["FOOBAR"], []):
        try:
            context.set_ciphers(bad)
        except OSError as e:
            print("OSError", e.args[0])


EXPECTED = """
names True
has True
OSError -24192
OSError -24192
"""
