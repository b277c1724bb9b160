"""The tls and ssl modules' surface as the firmware has it (tls built in, ssl the frozen
wrapper over it) and their argument and input errors: keys and certificates in DER and PEM,
cadata as DER, mbedTLS's cipher names and error codes."""

import ssl as native_ssl

import pytest

import mpsock
from mpsock import mbedtls
from mpsock.modules import script_modules
from tls_peers import HOST, Material, TlsServer, echo_lines, server_context


@pytest.fixture(scope="module")
def material():
    return Material()


@pytest.fixture
def mods(emu):
    return script_modules()


@pytest.fixture
def tls(mods):
    return mods["tls"]


@pytest.fixture
def ssl(mods):
    return mods["ssl"]


def test_tls_module_is_the_built_in_one(tls):
    assert tls.__name__ == "tls"
    assert (tls.PROTOCOL_TLS_CLIENT, tls.PROTOCOL_TLS_SERVER) == (0, 1)
    assert (tls.PROTOCOL_DTLS_CLIENT, tls.PROTOCOL_DTLS_SERVER) == (2, 3)
    assert (tls.CERT_NONE, tls.CERT_OPTIONAL, tls.CERT_REQUIRED) == (0, 1, 2)
    assert tls.MBEDTLS_VERSION.startswith("Mbed TLS 3.6")
    assert sorted(name for name in dir(tls) if not name.startswith("_")) == [
        "CERT_NONE",
        "CERT_OPTIONAL",
        "CERT_REQUIRED",
        "MBEDTLS_VERSION",
        "PROTOCOL_DTLS_CLIENT",
        "PROTOCOL_DTLS_SERVER",
        "PROTOCOL_TLS_CLIENT",
        "PROTOCOL_TLS_SERVER",
        "SSLContext",
    ]


def test_ssl_module_is_the_frozen_wrapper_over_tls(ssl, tls):
    # micropython-lib's ssl.py: `from tls import *` plus its own SSLContext and wrap_socket.
    assert ssl.tls is tls
    assert ssl.SSLContext is not tls.SSLContext
    assert callable(ssl.wrap_socket)
    for name in ("CERT_NONE", "CERT_OPTIONAL", "CERT_REQUIRED", "PROTOCOL_TLS_CLIENT", "MBEDTLS_VERSION"):
        assert getattr(ssl, name) == getattr(tls, name)
    assert ssl.__version__ == "0.2.1"
    # The wrapper has no cipher methods: they are tls.SSLContext's.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert not hasattr(context, "set_ciphers") and not hasattr(context, "get_ciphers")
    # And none of CPython's API.
    for name in ("create_default_context", "SSLError", "SSLSocket", "PROTOCOL_TLS", "CERT_REQUIRED_"):
        assert not hasattr(ssl, name)


def test_scripts_get_ssl_and_tls_but_no_ussl(run_micropython):
    result = run_micropython(
        "-c",
        "import ssl, tls\n"
        "print(ssl.tls is tls, ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).verify_mode)\n"
        "try:\n    import ussl\nexcept ImportError:\n    print('no ussl')\n",
    )
    assert result.stdout.splitlines() == ["True 0", "no ussl"], result.stderr


def test_verify_mode_defaults(ssl, tls):
    assert tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).verify_mode == tls.CERT_REQUIRED
    assert tls.SSLContext(tls.PROTOCOL_TLS_SERVER).verify_mode == tls.CERT_NONE
    # The wrapper starts every context at CERT_NONE.
    assert ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).verify_mode == ssl.CERT_NONE
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    assert context.verify_mode == 2


def test_context_arguments(tls):
    with pytest.raises(TypeError, match="1 positional arguments but 0"):
        tls.SSLContext()
    with pytest.raises(TypeError, match="keyword"):
        tls.SSLContext(protocol=0)
    with pytest.raises(TypeError):
        tls.SSLContext("client")
    context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    with pytest.raises(TypeError):
        context.verify_mode = "required"
    # tls's load_verify_locations takes cadata alone, positionally.
    with pytest.raises(TypeError):
        context.load_verify_locations(cadata=b"x")


def test_get_ciphers_lists_mbedtls_names_in_its_order(tls):
    ciphers = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT).get_ciphers()
    assert ciphers[0] == "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384"
    assert "TLS-RSA-WITH-AES-128-CBC-SHA" in ciphers
    assert "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256" in ciphers
    assert all(name.startswith("TLS-") for name in ciphers)
    # No ChaCha20, no CCM, no TLS 1.3 suites in the firmware's configuration.
    assert not [name for name in ciphers if "CHACHA" in name or "CCM" in name or name.startswith("TLS1-3")]


def test_set_ciphers_errors(tls):
    context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    for bad in (["FOOBAR"], [], ["TLS-RSA-WITH-AES-128-CBC-SHA", "NOPE"]):
        with pytest.raises(OSError) as caught:
            context.set_ciphers(bad)
        assert caught.value.args == (-24192, "MBEDTLS_ERR_SSL_BAD_CONFIG")
        assert str(caught.value) == "(-24192, 'MBEDTLS_ERR_SSL_BAD_CONFIG')"
    with pytest.raises(TypeError, match="isn't a tuple or list"):
        context.set_ciphers("TLS-RSA-WITH-AES-128-CBC-SHA")
    with pytest.raises(TypeError):
        context.set_ciphers([1])
    context.set_ciphers(("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",))


def test_keys_and_certificates_in_der_and_pem(tls, material):
    leaf = material.leaf
    for cert, key in (
        (material.cert_der(leaf), material.key_der(leaf)),
        (material.cert_pem(leaf), material.key_pem(leaf)),
        (material.cert_pem(leaf).decode(), material.key_pem(leaf).decode()),
    ):
        tls.SSLContext(tls.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(material.ca_der)
    context.load_verify_locations(material.ca_pem)


def test_bad_keys_and_certificates(tls, material):
    leaf = material.leaf
    context = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    with pytest.raises(ValueError, match="invalid key"):
        context.load_cert_chain(material.cert_der(leaf), b"not a key")
    with pytest.raises(ValueError, match="invalid cert"):
        context.load_cert_chain(b"not a cert", material.key_der(leaf))
    # The key is read first.
    with pytest.raises(ValueError, match="invalid key"):
        context.load_cert_chain(b"not a cert", b"not a key")
    # DER with bytes after the certificate: mbedTLS 3.5 and later refuse it.
    with pytest.raises(ValueError, match="invalid cert"):
        context.load_verify_locations(material.ca_der + b"\0")
    with pytest.raises(ValueError, match="invalid cert"):
        context.load_verify_locations(material.ca_der + material.ca_der)
    with pytest.raises(TypeError, match="can't convert 'bytearray'"):
        context.load_verify_locations(bytearray(material.ca_der))
    with pytest.raises(TypeError):
        context.load_verify_locations(None)


def test_an_ed25519_key_is_not_an_mbedtls_key(tls):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="invalid key"):
        tls.SSLContext(tls.PROTOCOL_TLS_SERVER).load_cert_chain(b"", key)


def test_ssl_context_reads_files(ssl, material, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ca.der").write_bytes(material.ca_der)
    (tmp_path / "cert.der").write_bytes(material.cert_der(material.leaf))
    (tmp_path / "key.der").write_bytes(material.key_der(material.leaf))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain("cert.der", "key.der")
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cafile="ca.der")
    client.load_verify_locations(cadata=material.ca_der)
    with pytest.raises(OSError):
        client.load_verify_locations(cafile="missing.der")


def test_wrap_socket_arguments(tls, emu):
    context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    s = emu.socket()
    try:
        with pytest.raises(TypeError, match="extra positional"):
            context.wrap_socket(s, False)
        with pytest.raises(TypeError, match="unexpected keyword"):
            context.wrap_socket(s, hostname="x")
        # The default client context verifies, so it needs the name to check.
        with pytest.raises(ValueError, match="CERT_REQUIRED requires server_hostname"):
            context.wrap_socket(s, do_handshake_on_connect=False)
        with pytest.raises(OSError, match="stream operation not supported"):
            context.wrap_socket(42, server_hostname="x")
        dtls = tls.SSLContext(tls.PROTOCOL_DTLS_CLIENT)
        with pytest.raises(NotImplementedError, match="DTLS"):
            dtls.wrap_socket(s, server_hostname="x", do_handshake_on_connect=False)
    finally:
        s.close()


def test_ssl_socket_surface(tls, emu, material, native_server):
    server = TlsServer(server_context(material.leaf), echo_lines)
    try:
        s = emu.socket()
        s.connect(("127.0.0.1", server.port))
        context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        context.verify_mode = tls.CERT_NONE
        t = context.wrap_socket(s, server_hostname=HOST)
        assert type(t).__name__ == "SSLSocket"
        public = sorted(name for name in dir(t) if not name.startswith("_"))
        assert public == [
            "cipher",
            "close",
            "getpeercert",
            "read",
            "readinto",
            "readline",
            "recv",
            "recv_into",
            "send",
            "sendall",
            "setblocking",
            "write",
        ]
        # No settimeout, no ioctl, no CPython conveniences: the timeout is the socket's.
        assert not hasattr(t, "settimeout") and not hasattr(t, "do_handshake")
        with pytest.raises(NotImplementedError):
            t.getpeercert(False)
        assert t.getpeercert(True) == material.cert_der(material.leaf)
        assert t.cipher() == ("TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", "TLSv1.2")
        t.close()
        t.close()  # harmless
        # After close the TLS state is gone: mbedTLS works on a zeroed context.
        with pytest.raises(OSError) as caught:
            t.write(b"x")
        assert caught.value.args == (-28928, "MBEDTLS_ERR_SSL_BAD_INPUT_DATA")
    finally:
        server.close()


def test_error_names_as_micropython_prints_them():
    assert mbedtls.error_name(-0x7280) == "MBEDTLS_ERR_SSL_CONN_EOF"
    assert mbedtls.error_name(-0x7780) == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE"
    assert mbedtls.error_name(-0x7781) == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE"
    assert mbedtls.error_name(-0x7201) == "MBEDTLS_ERR_SSL_INVALID_RECORD+MBEDTLS_ERR_UNKNOWN (0001)"
    assert mbedtls.error_name(-0x1234) == "MBEDTLS_ERR_UNKNOWN (1200)+MBEDTLS_ERR_UNKNOWN (0034)"
    error = mbedtls.error(-0x7200)
    assert isinstance(error, OSError) and type(error).__name__ == "OSError"
    assert error.args == (-29184, "MBEDTLS_ERR_SSL_INVALID_RECORD") and error.errno == -29184
    # A socket error passed through the TLS layer is the socket's own OSError.
    assert mbedtls.error(-110).args == (110,) and str(mbedtls.error(-110)) == "[Errno 110] ETIMEDOUT"


def test_verify_text_and_its_buffer():
    error = mbedtls.verify_failure(mbedtls.BADCERT_EXPIRED | mbedtls.BADCERT_CN_MISMATCH)
    assert isinstance(error, ValueError)
    assert str(error) == (
        "\nThe certificate validity has expired\n"
        "\nThe certificate Common Name (CN) does not match with the expected CN\n"
    )
    # More than modtls_mbedtls.c's 256-byte buffer holds: the bare verification error.
    many = mbedtls.verify_failure(
        mbedtls.BADCERT_EXPIRED
        | mbedtls.BADCERT_CN_MISMATCH
        | mbedtls.BADCERT_NOT_TRUSTED
        | mbedtls.BADCERT_FUTURE
        | mbedtls.BADCERT_BAD_MD
    )
    assert many.args == (-9984, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED")


def test_openssl_cipher_names_cover_the_table():
    # Every suite of the firmware's list is one this machine's OpenSSL can offer at TLS 1.2.
    context = native_ssl.SSLContext(native_ssl.PROTOCOL_TLS_CLIENT)
    context.set_ciphers(mbedtls.openssl_cipher_list([name for name, _ in mbedtls.CIPHER_SUITES]))
    offered = {cipher["name"] for cipher in context.get_ciphers()}
    assert set(mbedtls.OPENSSL_NAME.values()) <= offered


def test_desktop_profile_keeps_the_same_modules():
    mpsock.use_profile("desktop")
    try:
        modules = script_modules()
        assert modules["ssl"].tls is modules["tls"]
    finally:
        mpsock.use_profile("openmv-rt1062")


def test_conformance_cases_that_need_tls_may_import_it():
    from mpsock.conformance import case as case_module

    source = "def dut(ctl):\n    import binascii\n    import ssl\n    import tls\n"
    case_module._check_dut_source("x", source, ("tls",))
    with pytest.raises(case_module.CaseFileError, match="imports 'binascii'"):
        case_module._check_dut_source("x", source, ())
