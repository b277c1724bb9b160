"""What the camera's TLS library, mbedTLS, shows a script: its error codes and the names
MicroPython gives them, its cipher suites, its certificate verification flags and their text,
and its record size. The `tls` and `ssl` modules (modtls.py, modssl.py) use these to make
OpenSSL's results look as the camera's do.

The firmware reproduced is MicroPython's `extmod/modtls_mbedtls.c` on mbedTLS 3.6, built with
`extmod/mbedtls/mbedtls_config_common.h` (as the mimxrt, alif and stm32 ports build it), from
MicroPython 1.27 on: stream errors carry the error's name (`py/stream.c`,
MICROPY_STREAMS_DELEGATE_ERROR) and PEM keys and certificates parse (MBEDTLS_PEM_PARSE_C).
"""

from .moderrno import NUMBERS_BY_VALUE

VERSION = "Mbed TLS 3.6.2"  # tls.MBEDTLS_VERSION (MBEDTLS_VERSION_STRING_FULL)

# mbedtls_config_common.h: TLS 1.2 only (no MBEDTLS_SSL_PROTO_TLS1_3).
PROTOCOL_VERSION = "TLSv1.2"

# The elliptic curves the configuration enables (MBEDTLS_ECP_DP_*_ENABLED), by the names
# OpenSSL's and cryptography's curve objects carry.
CURVES = frozenset("secp192r1 secp224r1 secp256r1 secp384r1 secp521r1 secp192k1 secp224k1 secp256k1".split())

# MBEDTLS_SSL_OUT_CONTENT_LEN (4096): the most one mbedtls_ssl_write() puts in a record; a
# longer write is cut there (a short write), and write() goes round again.
OUT_CONTENT_LEN = 4096

# ---- Error codes (mbedtls/ssl.h, x509.h, pk.h) ----

SSL_CRYPTO_IN_PROGRESS = -0x7000
SSL_FEATURE_UNAVAILABLE = -0x7080
SSL_BAD_INPUT_DATA = -0x7100
SSL_INVALID_MAC = -0x7180
SSL_INVALID_RECORD = -0x7200
SSL_CONN_EOF = -0x7280
SSL_DECODE_ERROR = -0x7300
SSL_NO_RNG = -0x7400
SSL_NO_CLIENT_CERTIFICATE = -0x7480
SSL_UNSUPPORTED_EXTENSION = -0x7500
SSL_NO_APPLICATION_PROTOCOL = -0x7580
SSL_PRIVATE_KEY_REQUIRED = -0x7600
SSL_CA_CHAIN_REQUIRED = -0x7680
SSL_UNEXPECTED_MESSAGE = -0x7700
SSL_FATAL_ALERT_MESSAGE = -0x7780
SSL_UNRECOGNIZED_NAME = -0x7800
SSL_PEER_CLOSE_NOTIFY = -0x7880
SSL_BAD_CERTIFICATE = -0x7A00
SSL_ALLOC_FAILED = -0x7F00
SSL_BAD_PROTOCOL_VERSION = -0x6E80
SSL_HANDSHAKE_FAILURE = -0x6E00
SSL_INTERNAL_ERROR = -0x6C00
SSL_WANT_READ = -0x6900
SSL_WANT_WRITE = -0x6880
SSL_TIMEOUT = -0x6800
SSL_UNEXPECTED_RECORD = -0x6700
SSL_ILLEGAL_PARAMETER = -0x6600
SSL_BAD_CONFIG = -0x5E80
X509_INVALID_FORMAT = -0x2180
X509_CERT_VERIFY_FAILED = -0x2700
X509_BAD_INPUT_DATA = -0x2800
PK_BAD_INPUT_DATA = -0x3E80

_HIGH_LEVEL_NAMES = {
    -SSL_CRYPTO_IN_PROGRESS: "SSL_CRYPTO_IN_PROGRESS",
    -SSL_FEATURE_UNAVAILABLE: "SSL_FEATURE_UNAVAILABLE",
    -SSL_BAD_INPUT_DATA: "SSL_BAD_INPUT_DATA",
    -SSL_INVALID_MAC: "SSL_INVALID_MAC",
    -SSL_INVALID_RECORD: "SSL_INVALID_RECORD",
    -SSL_CONN_EOF: "SSL_CONN_EOF",
    -SSL_DECODE_ERROR: "SSL_DECODE_ERROR",
    -SSL_NO_RNG: "SSL_NO_RNG",
    -SSL_NO_CLIENT_CERTIFICATE: "SSL_NO_CLIENT_CERTIFICATE",
    -SSL_UNSUPPORTED_EXTENSION: "SSL_UNSUPPORTED_EXTENSION",
    -SSL_NO_APPLICATION_PROTOCOL: "SSL_NO_APPLICATION_PROTOCOL",
    -SSL_PRIVATE_KEY_REQUIRED: "SSL_PRIVATE_KEY_REQUIRED",
    -SSL_CA_CHAIN_REQUIRED: "SSL_CA_CHAIN_REQUIRED",
    -SSL_UNEXPECTED_MESSAGE: "SSL_UNEXPECTED_MESSAGE",
    -SSL_UNRECOGNIZED_NAME: "SSL_UNRECOGNIZED_NAME",
    -SSL_PEER_CLOSE_NOTIFY: "SSL_PEER_CLOSE_NOTIFY",
    -SSL_BAD_CERTIFICATE: "SSL_BAD_CERTIFICATE",
    -SSL_ALLOC_FAILED: "SSL_ALLOC_FAILED",
    -SSL_BAD_PROTOCOL_VERSION: "SSL_BAD_PROTOCOL_VERSION",
    -SSL_HANDSHAKE_FAILURE: "SSL_HANDSHAKE_FAILURE",
    -SSL_INTERNAL_ERROR: "SSL_INTERNAL_ERROR",
    -SSL_WANT_READ: "SSL_WANT_READ",
    -SSL_WANT_WRITE: "SSL_WANT_WRITE",
    -SSL_TIMEOUT: "SSL_TIMEOUT",
    -SSL_UNEXPECTED_RECORD: "SSL_UNEXPECTED_RECORD",
    -SSL_ILLEGAL_PARAMETER: "SSL_ILLEGAL_PARAMETER",
    -SSL_BAD_CONFIG: "SSL_BAD_CONFIG",
    -X509_INVALID_FORMAT: "X509_INVALID_FORMAT",
    -X509_CERT_VERIFY_FAILED: "X509_CERT_VERIFY_FAILED",
    -X509_BAD_INPUT_DATA: "X509_BAD_INPUT_DATA",
    -PK_BAD_INPUT_DATA: "PK_BAD_INPUT_DATA",
}


def _one_name(code, table):
    name = table.get(code)
    return "MBEDTLS_ERR_" + (name if name else "UNKNOWN (%04X)" % code)


def error_name(code):
    """What MicroPython's mbedtls_strerror (extmod/mbedtls_errors) writes for `code`: the
    #define's name, a high-level and a low-level part joined by '+'."""
    value = -code if code < 0 else code
    high = value & 0xFF80
    text = ""
    if high:
        if high == -SSL_FATAL_ALERT_MESSAGE:  # the one name printed without its low part
            return "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE"
        text = _one_name(high, _HIGH_LEVEL_NAMES)
    low = value & 0x7F
    if low:
        text += ("+" if text else "") + _one_name(low, {})
    return text


def os_error(number):
    """OSError(errno) as the socket module raises it (its strerror is the errno's name)."""
    exc = OSError(number)
    exc.errno = number
    exc.strerror = NUMBERS_BY_VALUE.get(number)
    return exc


def error(code):
    """The exception mbedtls_raise_error (modtls_mbedtls.c) raises for a negative code."""
    if code == SSL_ALLOC_FAILED:
        return os_error(12)  # MP_ENOMEM
    if code == PK_BAD_INPUT_DATA:
        return ValueError("invalid key")
    if code == X509_BAD_INPUT_DATA:
        return ValueError("invalid cert")
    if -256 < code < 0:
        # The socket's own errno, which the TLS layer passed through negated.
        return os_error(-code)
    return TLSError(code, error_name(code))


class TLSError(OSError):
    """OSError(code, name) as MicroPython builds it: printed as the tuple of its arguments,
    `(-29312, 'MBEDTLS_ERR_SSL_CONN_EOF')`, where CPython would print `[Errno ...] ...`."""

    def __str__(self):
        return repr(self.args)


TLSError.__name__ = TLSError.__qualname__ = "OSError"
TLSError.__module__ = "builtins"

# ---- Cipher suites ----

# The suites the configuration compiles in (key exchanges RSA, ECDHE-RSA, ECDHE-ECDSA; AES in
# GCM and CBC modes; SHA-1/256/384), in mbedTLS's preference order (ssl_ciphersuites.c
# ciphersuite_preference): tls.SSLContext.get_ciphers() lists them. Each with OpenSSL's name.
CIPHER_SUITES = (
    ("TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    ("TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
    ("TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA384", "ECDHE-ECDSA-AES256-SHA384"),
    ("TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA384", "ECDHE-RSA-AES256-SHA384"),
    ("TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA", "ECDHE-ECDSA-AES256-SHA"),
    ("TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA", "ECDHE-RSA-AES256-SHA"),
    ("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    ("TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
    ("TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256", "ECDHE-ECDSA-AES128-SHA256"),
    ("TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA256", "ECDHE-RSA-AES128-SHA256"),
    ("TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA", "ECDHE-ECDSA-AES128-SHA"),
    ("TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA", "ECDHE-RSA-AES128-SHA"),
    ("TLS-RSA-WITH-AES-256-GCM-SHA384", "AES256-GCM-SHA384"),
    ("TLS-RSA-WITH-AES-256-CBC-SHA256", "AES256-SHA256"),
    ("TLS-RSA-WITH-AES-256-CBC-SHA", "AES256-SHA"),
    ("TLS-RSA-WITH-AES-128-GCM-SHA256", "AES128-GCM-SHA256"),
    ("TLS-RSA-WITH-AES-128-CBC-SHA256", "AES128-SHA256"),
    ("TLS-RSA-WITH-AES-128-CBC-SHA", "AES128-SHA"),
)
OPENSSL_NAME = dict(CIPHER_SUITES)
MBEDTLS_NAME = {openssl: mbedtls for mbedtls, openssl in CIPHER_SUITES}


def openssl_cipher_list(names):
    """OpenSSL's cipher string for mbedTLS suite names, in their order."""
    return ":".join(OPENSSL_NAME[name] for name in names)


# ---- Certificate verification flags (mbedtls/x509.h) and their text (x509_crt.c) ----

BADCERT_EXPIRED = 0x01
BADCERT_REVOKED = 0x02
BADCERT_CN_MISMATCH = 0x04
BADCERT_NOT_TRUSTED = 0x08
BADCERT_MISSING = 0x40
BADCERT_SKIP_VERIFY = 0x80
BADCERT_OTHER = 0x0100
BADCERT_FUTURE = 0x0200
BADCERT_KEY_USAGE = 0x0800
BADCERT_EXT_KEY_USAGE = 0x1000
BADCERT_NS_CERT_TYPE = 0x2000
BADCERT_BAD_MD = 0x4000
BADCERT_BAD_PK = 0x8000
BADCERT_BAD_KEY = 0x010000

# In the order mbedtls_x509_crt_verify_info writes them.
VERIFY_STRINGS = (
    (BADCERT_EXPIRED, "The certificate validity has expired"),
    (BADCERT_REVOKED, "The certificate has been revoked (is on a CRL)"),
    (BADCERT_CN_MISMATCH, "The certificate Common Name (CN) does not match with the expected CN"),
    (BADCERT_NOT_TRUSTED, "The certificate is not correctly signed by the trusted CA"),
    (BADCERT_MISSING, "Certificate was missing"),
    (BADCERT_SKIP_VERIFY, "Certificate verification was skipped"),
    (BADCERT_OTHER, "Other reason (can be used by verify callback)"),
    (BADCERT_FUTURE, "The certificate validity starts in the future"),
    (BADCERT_KEY_USAGE, "Usage does not match the keyUsage extension"),
    (BADCERT_EXT_KEY_USAGE, "Usage does not match the extendedKeyUsage extension"),
    (BADCERT_NS_CERT_TYPE, "Usage does not match the nsCertType extension"),
    (BADCERT_BAD_MD, "The certificate is signed with an unacceptable hash."),
    (BADCERT_BAD_PK, "The certificate is signed with an unacceptable PK alg (eg RSA vs ECDSA)."),
    (BADCERT_BAD_KEY, "The certificate is signed with an unacceptable key (eg bad curve, RSA too short)."),
)

# modtls_mbedtls.c gives mbedtls_x509_crt_verify_info a 256-byte buffer.
_VERIFY_INFO_BUFFER = 256


def verify_failure(flags):
    """The exception a failed verification raises (ssl_socket_make_new's cleanup): ValueError
    with mbedtls_x509_crt_verify_info's text, a line per flag each after a "\\n" prefix; when
    that text does not fit the buffer, OSError(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)."""
    text = ""
    room = _VERIFY_INFO_BUFFER
    for flag, message in VERIFY_STRINGS:
        if flags & flag:
            line = "\n" + message + "\n"
            if len(line) >= room:
                return error(X509_CERT_VERIFY_FAILED)
            text += line
            room -= len(line)
            flags &= ~flag
    if flags:
        line = "\nUnknown reason (this should not happen)\n"
        if len(line) >= room:
            return error(X509_CERT_VERIFY_FAILED)
        text += line
    if not text:
        return error(X509_CERT_VERIFY_FAILED)
    return ValueError(text)


# OpenSSL's verification result (X509_V_ERR_*), for a failure the chain check below cannot
# explain, as the flag mbedTLS would have set.
FLAG_FOR_OPENSSL_VERIFY_CODE = {
    2: BADCERT_NOT_TRUSTED,  # unable to get issuer certificate
    7: BADCERT_NOT_TRUSTED,  # certificate signature failure
    9: BADCERT_FUTURE,  # certificate is not yet valid
    10: BADCERT_EXPIRED,  # certificate has expired
    18: BADCERT_NOT_TRUSTED,  # self-signed certificate
    19: BADCERT_NOT_TRUSTED,  # self-signed certificate in chain
    20: BADCERT_NOT_TRUSTED,  # unable to get local issuer certificate
    21: BADCERT_NOT_TRUSTED,  # unable to verify the first certificate
    24: BADCERT_NOT_TRUSTED,  # invalid CA certificate
    26: BADCERT_EXT_KEY_USAGE,  # unsupported certificate purpose
    62: BADCERT_CN_MISMATCH,  # hostname mismatch
    64: BADCERT_CN_MISMATCH,  # IP address mismatch
    66: BADCERT_BAD_KEY,  # EE certificate key too weak
    67: BADCERT_BAD_KEY,  # CA certificate key too weak
    68: BADCERT_BAD_MD,  # CA signature digest algorithm too weak
}


# ---- mbedTLS's certificate checks, for a chain OpenSSL rejected ----
#
# OpenSSL stops at the first problem; mbedTLS (x509_crt_verify_chain, x509_crt_verify_name)
# checks every certificate on the path and reports every flag, and the script sees all of
# them. These checks run on the chain the peer sent once OpenSSL has refused it.


def _name_matches(pattern, hostname):
    """x509_crt_check_cn: equal ignoring case, or a "*." wildcard for one leading label."""
    pattern = pattern.lower()
    hostname = hostname.lower()
    if pattern == hostname:
        return True
    if pattern.startswith("*."):
        dot = hostname.find(".")
        return dot > 0 and hostname[dot:] == pattern[1:]
    return False


def _hostname_flags(cert, hostname):
    """x509_crt_verify_name: the subjectAltName's DNS names and IP addresses if the extension
    is there, else the subject's CNs."""
    import ipaddress

    from cryptography import x509

    try:
        alt_names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        alt_names = None
    if alt_names is not None:
        for name in alt_names.get_values_for_type(x509.DNSName):
            if _name_matches(name, hostname):
                return 0
        try:
            wanted = ipaddress.ip_address(hostname)
        except ValueError:
            wanted = None
        if wanted is not None and wanted in alt_names.get_values_for_type(x509.IPAddress):
            return 0
        return BADCERT_CN_MISMATCH
    for attribute in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME):
        if _name_matches(str(attribute.value), hostname):
            return 0
    return BADCERT_CN_MISMATCH


def _time_flags(cert, now):
    flags = 0
    if now > cert.not_valid_after_utc:
        flags |= BADCERT_EXPIRED
    if now < cert.not_valid_before_utc:
        flags |= BADCERT_FUTURE
    return flags


def _signed_by(child, parent):
    try:
        child.verify_directly_issued_by(parent)
    except Exception:  # noqa: BLE001 - a wrong issuer, a bad signature, an unsupported key
        return False
    return True


def _is_ca(cert):
    from cryptography import x509

    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return cert.version == x509.Version.v1  # mbedTLS takes a v1 certificate as a CA


def _find_parent(child, trusted, chain):
    """x509_crt_find_parent: a trusted CA first, then the chain; a parent whose signature
    checks out before one whose does not. (parent, is_trusted, signature_good) or Nones."""
    fallback = None
    for candidates, is_trusted in ((trusted, True), (chain, False)):
        for candidate in candidates:
            if candidate.subject != child.issuer or candidate is child:
                continue
            if not is_trusted and not _is_ca(candidate):
                continue
            if _signed_by(child, candidate):
                return candidate, is_trusted, True
            if fallback is None:
                fallback = (candidate, is_trusted, False)
    return fallback or (None, False, False)


def chain_flags(chain_der, trusted_der, hostname, now):
    """The verification flags mbedTLS sets for a peer's chain (leaf first, DER), trusted CAs
    (DER), the expected host name (None: not checked) and the time."""
    from cryptography import x509

    chain = [x509.load_der_x509_certificate(der) for der in chain_der]
    trusted = [x509.load_der_x509_certificate(der) for der in trusted_der]
    if not chain:
        return BADCERT_MISSING
    flags = 0
    leaf = chain[0]
    if hostname is not None:
        flags |= _hostname_flags(leaf, hostname)
    # A self-signed leaf that is itself one of the trusted certificates is trusted as it is.
    if leaf.issuer == leaf.subject and any(leaf == ca for ca in trusted):
        return flags | _time_flags(leaf, now)
    child, child_trusted = leaf, False
    for _ in range(len(chain) + len(trusted) + 1):
        flags |= _time_flags(child, now)
        if child_trusted:
            return flags
        parent, parent_trusted, signature_good = _find_parent(child, trusted, chain[1:])
        if parent is None:
            return flags | BADCERT_NOT_TRUSTED
        if not signature_good:
            flags |= BADCERT_NOT_TRUSTED
        child, child_trusted = parent, parent_trusted
    return flags | BADCERT_NOT_TRUSTED
