"""The host side of the TLS cases: a test certificate authority and certificates made here
with `cryptography` (an EC P-256 CA, a leaf for NAME, an expired leaf, a leaf from a CA the DUT
does not trust, a key and certificate for the DUT's own server), given to the DUT as hex over
the control channel, and CPython's ssl wrapping the peer's connections.

Validity runs from 2000 to 2099, so a camera whose clock was never set (it starts in 2000 or
later) still accepts it; the expired leaf ended in 1999."""

import binascii
import datetime
import ssl

from .peer import PEER_TIMEOUT

NAME = "camera-api.example"  # the host name the server certificates are for
_material = None


def _name(common_name):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, key, issuer, issuer_key, not_before, not_after, ca=False, dns=None):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


class Leaf:
    """A certificate and its key, DER and PEM."""

    def __init__(self, certificate, key):
        from cryptography.hazmat.primitives import serialization

        self.der = certificate.public_bytes(serialization.Encoding.DER)
        self.pem = certificate.public_bytes(serialization.Encoding.PEM)
        self.key_der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def server_context(self):
        """A CPython TLS server with this certificate."""
        import os
        import tempfile

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        handle, path = tempfile.mkstemp(suffix=".pem")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(self.pem + self.key_pem)
            context.load_cert_chain(path)
        finally:
            os.unlink(path)
        return context


class Material:
    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        start = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        end = datetime.datetime(2099, 12, 31, tzinfo=datetime.timezone.utc)
        ca_key, other_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        ca = _certificate("mpsock test CA", ca_key, "mpsock test CA", ca_key, start, end, ca=True)
        self.ca = Leaf(ca, ca_key)
        self.ca_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ca_context.load_verify_locations(cadata=self.ca.der)

        def leaf(subject, issuer="mpsock test CA", signer=ca_key, not_before=start, not_after=end):
            key = ec.generate_private_key(ec.SECP256R1())
            certificate = _certificate(subject, key, issuer, signer, not_before, not_after, dns=subject)
            return Leaf(certificate, key)

        self.server = leaf(NAME)
        self.expired = leaf(
            NAME,
            not_before=datetime.datetime(1990, 1, 1, tzinfo=datetime.timezone.utc),
            not_after=datetime.datetime(1999, 12, 31, tzinfo=datetime.timezone.utc),
        )
        self.untrusted = leaf(NAME, issuer="someone else's CA", signer=other_key)
        self.camera = leaf("openmv-cam.local")

    def client_context(self):
        """A CPython TLS client that trusts the test CA."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=self.ca.der)
        return context


def material():
    """The test certificates, made once per process."""
    global _material
    if _material is None:
        _material = Material()
    return _material


def hex_of(data):
    """Bytes as the DUT gets them over the control channel (binascii.unhexlify on its side)."""
    return binascii.hexlify(data).decode()


def serve(conn, leaf):
    """The server end of a handshake on a connection the peer accepted; the TLS socket, or the
    handshake's exception."""
    conn.settimeout(PEER_TIMEOUT)
    try:
        return leaf.server_context().wrap_socket(conn, server_side=True)
    except (OSError, ssl.SSLError) as error:
        return error


def read_until_closed(tls):
    """What the DUT sent until it went away (a camera sends no close_notify)."""
    data = b""
    while True:
        try:
            chunk = tls.recv(4096)
        except (OSError, ssl.SSLError):
            return data
        if not chunk:
            return data
        data += chunk
