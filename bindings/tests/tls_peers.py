"""TLS peers for the tests: certificates made in the test by trustme (a test certificate
authority, a leaf for a host name, an expired one, one from a CA nobody trusts), and native
CPython TLS servers and clients on loopback. Every peer call has a timeout."""

import datetime
import socket as native
import ssl
import threading

import trustme

from native_peers import PEER_TIMEOUT

HOST = "camera-api.example"


def der_of(pem):
    return ssl.PEM_cert_to_DER_cert(pem.decode() if isinstance(pem, bytes) else pem)


def key_der_of(key_pem):
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(key_pem, password=None)
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class Material:
    """A CA, a leaf for HOST and its variants, each in PEM and DER."""

    def __init__(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.ca = trustme.CA()
        self.other_ca = trustme.CA()
        self.leaf = self.ca.issue_cert(HOST, "127.0.0.1")
        self.expired = self.ca.issue_cert(
            HOST, not_before=now - datetime.timedelta(days=30), not_after=now - datetime.timedelta(days=1)
        )
        self.not_yet_valid = self.ca.issue_cert(
            HOST, not_before=now + datetime.timedelta(days=1), not_after=now + datetime.timedelta(days=30)
        )
        self.untrusted = self.other_ca.issue_cert(HOST)
        self.client = self.ca.issue_cert("camera-client")

    @property
    def ca_pem(self):
        return self.ca.cert_pem.bytes()

    @property
    def ca_der(self):
        return der_of(self.ca_pem)

    @staticmethod
    def cert_der(leaf):
        return der_of(leaf.cert_chain_pems[0].bytes())

    @staticmethod
    def key_der(leaf):
        return key_der_of(leaf.private_key_pem.bytes())

    @staticmethod
    def cert_pem(leaf):
        return leaf.cert_chain_pems[0].bytes()

    @staticmethod
    def key_pem(leaf):
        return leaf.private_key_pem.bytes()


def server_context(leaf, client_ca=None, ciphers=None, maximum_version=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    if client_ca is not None:
        client_ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    if ciphers:
        context.set_ciphers(ciphers)
    if maximum_version:
        context.maximum_version = maximum_version
    return context


def client_context(ca=None, leaf=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        ca.configure_trust(context)
    if leaf is not None:
        leaf.configure_cert(context)
    return context


class TlsServer:
    """A native TLS server on 127.0.0.1 running `handler(tls_conn)` on a thread per connection,
    after the handshake. Handshake failures and handler errors are kept for the test to read."""

    def __init__(self, context, handler, handshake=True):
        self.context = context
        self.handler = handler
        self.handshake = handshake
        self.sock = native.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(PEER_TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.errors = []
        self.handled = threading.Event()
        self.conns = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(PEER_TIMEOUT)
            self.conns.append(conn)
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            if self.handshake:
                conn = self.context.wrap_socket(conn, server_side=True)
                self.conns.append(conn)
            self.handler(conn)
        except Exception as error:  # kept for the test to see
            self.errors.append(error)
        finally:
            self.handled.set()

    def wait_handled(self, timeout=PEER_TIMEOUT):
        return self.handled.wait(timeout)

    def close(self):
        for sock in [self.sock] + self.conns:
            try:
                sock.shutdown(native.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.thread.join(PEER_TIMEOUT)


def echo_lines(conn):
    """Echoes until the client goes away (a camera sends no close_notify)."""
    while True:
        try:
            data = conn.recv(65536)
        except ssl.SSLEOFError:
            return
        if not data:
            return
        conn.sendall(data)
