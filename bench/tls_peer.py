"""The native peer of the TLS benchmark: one CPython process whose TLS server (CPython's ssl on
native sockets) serves the emulator's runs and the native runs alike.

    python3 bench/tls_peer.py

Prints `PORTS sink=N source=N handshake=N`, then serves on 127.0.0.1 until its standard input
closes. The certificate is an EC P-256 one made at start; the server offers TLS 1.2 with
ECDHE-ECDSA-AES128-GCM-SHA256 only, a suite the camera's mbedTLS has, so both sides of the
comparison run the same cipher.

- sink:      reads a header line `SIZE\\n`, then SIZE bytes, then answers b"k" (bulk send)
- source:    reads a header line `SIZE\\n`, then sends SIZE bytes (bulk receive)
- handshake: completes the handshake, answers b"k", waits for the client to go (handshakes)
"""

import datetime
import os
import ssl
import tempfile
import threading

from serving import listener, read_header, receive_bulk, send_bulk, serve_until_stdin_closes

CIPHER = "ECDHE-ECDSA-AES128-GCM-SHA256"
LISTEN_BACKLOG = 64


def server_context():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.example")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(CIPHER)
    handle, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(certificate.public_bytes(serialization.Encoding.PEM))
            out.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        context.load_cert_chain(path)
    finally:
        os.unlink(path)
    return context


def serve_sink(conn):
    size = read_header(conn)
    if size is None or not receive_bulk(conn, size):
        return
    conn.sendall(b"k")


def serve_source(conn):
    size = read_header(conn)
    if size is None:
        return
    send_bulk(conn, size)


def serve_handshake(conn):
    conn.sendall(b"k")
    conn.recv(1)


def serve(server, context, handler):
    while True:
        try:
            raw, _ = server.accept()
        except OSError:
            return

        def run(raw=raw):
            try:
                with context.wrap_socket(raw, server_side=True) as conn:
                    handler(conn)
            except (OSError, ssl.SSLError):
                pass  # a camera ends without close_notify

        threading.Thread(target=run, daemon=True).start()


def main():
    context = server_context()
    services = {}
    for name, handler in (("sink", serve_sink), ("source", serve_source), ("handshake", serve_handshake)):
        server = listener(LISTEN_BACKLOG)
        services[name] = server.getsockname()[1]
        threading.Thread(target=serve, args=(server, context, handler), daemon=True).start()
    serve_until_stdin_closes(services)


if __name__ == "__main__":
    main()
