"""The tls module a camera script sees: MicroPython's built-in TLS module
(extmod/modtls_mbedtls.c), on mbedTLS on the camera, here on OpenSSL through CPython's ssl
MemoryBIO/SSLObject. The TLS records cross the wrapped socket as its own bytes, so the
profile's limits, the network conditions, faults and the trace apply to them as to any data.

What the script sees is what the camera shows: mbedTLS's cipher suite names, error codes and
names, certificate verification text, record size and timing of errors (mbedtls.py holds those
facts). `ssl` (modssl.py) is the firmware's frozen Python wrapper over this module.

The module's surface is `make_module()` at the bottom.
"""

import datetime
import os
import ssl as _openssl
import tempfile
import time
import types

from . import _mpsock, mbedtls

PROTOCOL_TLS_CLIENT = 0
PROTOCOL_TLS_SERVER = 1  # MP_ENDPOINT_IS_SERVER
PROTOCOL_DTLS_CLIENT = 2  # MP_TRANSPORT_IS_DTLS
PROTOCOL_DTLS_SERVER = 3
CERT_NONE = 0  # MBEDTLS_SSL_VERIFY_NONE
CERT_OPTIONAL = 1
CERT_REQUIRED = 2

# py/stream.h
_POLLIN = 0x01
_POLLOUT = 0x04
_POLLNVAL = 0x20
_POLL_RDWR = _POLLIN | _POLLOUT
_STREAM_POLL = 3
_STREAM_CLOSE = 4
_EAGAIN = 11
_EBADF = 9
_EINVAL = 22

# Bytes asked of the socket per read; a receive returns at most a segment anyway.
_READ_CHUNK = 65536
# stream_readall's growth step (py/stream.c DEFAULT_BUFFER_SIZE).
_READALL_STEP = 256
# TLSCiphertext: a record's length field is at most 2^14 + 2048 (RFC 5246 6.2.3).
_MAX_RECORD_BODY = 16384 + 2048
_RECORD_TYPES = (20, 21, 22, 23)


def _type_name(value):
    return type(value).__name__


def _to_int(value):
    """mp_obj_get_int: int and bool only."""
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, int):
        raise TypeError("can't convert %s to int" % _type_name(value))
    return value


def _positional(args, kwargs, count):
    """A fixed-arity built-in method's arguments (MP_DEFINE_CONST_FUN_OBJ_N): positional only,
    exactly `count` after self."""
    if kwargs:
        raise TypeError("function doesn't take keyword arguments")
    if len(args) != count:
        raise TypeError(
            "function takes %d positional arguments but %d were given" % (count + 1, len(args) + 1)
        )
    return args


def _buffer(value, writable=False):
    """mp_get_buffer_raise: a bytes view of any object with the buffer protocol."""
    try:
        view = memoryview(value).cast("B")
    except TypeError:
        raise TypeError("object with buffer protocol required") from None
    if writable and view.readonly:
        raise TypeError("object with buffer protocol required")
    return view


def _str_data(value):
    """mp_obj_str_get_data: the bytes of a str or bytes object."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    raise TypeError("can't convert '%s' object to str implicitly" % _type_name(value))


def _is_pem(data):
    return b"-----BEGIN " in data  # asn1_get_data's test


# ---- Keys and certificates, as mbedtls_pk_parse_key and mbedtls_x509_crt_parse take them ----


try:
    from cryptography.exceptions import UnsupportedAlgorithm as _UnsupportedAlgorithm
except ImportError:  # pragma: no cover - cryptography is a dependency

    class _UnsupportedAlgorithm(Exception):
        pass


def _parse_certificates(data):
    """DER of each certificate in `data`: PEM blocks (all must parse), or one DER certificate
    (trailing bytes are an error since mbedTLS 3.5). ValueError("invalid cert") otherwise."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        if _is_pem(data):
            certificates = x509.load_pem_x509_certificates(data)
            return [certificate.public_bytes(Encoding.DER) for certificate in certificates]
        x509.load_der_x509_certificate(data)
        return [data]
    except (ValueError, _UnsupportedAlgorithm):
        raise mbedtls.error(mbedtls.X509_BAD_INPUT_DATA) from None


def _parse_key(data):
    """The private key in `data` (PKCS#8, SEC1 or PKCS#1, DER or PEM, unencrypted) as PEM for
    OpenSSL; ValueError("invalid key") otherwise."""
    from cryptography.hazmat.primitives import serialization

    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    try:
        if _is_pem(data):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, _UnsupportedAlgorithm):
        raise mbedtls.error(mbedtls.PK_BAD_INPUT_DATA) from None
    # mbedTLS's pk module knows RSA and the configuration's elliptic curves only.
    supported = isinstance(key, rsa.RSAPrivateKey) or (
        isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in mbedtls.CURVES
    )
    if not supported:
        raise mbedtls.error(mbedtls.PK_BAD_INPUT_DATA)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificates_pem(ders):
    return b"".join(_openssl.DER_cert_to_PEM_cert(der).encode() for der in ders)


def _load_own_certificate(context, chain_ders, key_pem):
    # CPython's load_cert_chain reads files only: one private file, gone once loaded.
    handle, path = tempfile.mkstemp(prefix="mpsock-tls-", suffix=".pem")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_certificates_pem(chain_ders) + key_pem)
        context.load_cert_chain(path)
    finally:
        os.unlink(path)


# ---- OpenSSL's errors as mbedTLS's ----

# Reasons (OpenSSL's SSL library) for bytes that are no TLS record: mbedTLS's record layer
# rejects the header (ssl_parse_record_header).
_NOT_A_RECORD = (
    "WRONG_VERSION_NUMBER",
    "HTTP_REQUEST",
    "HTTPS_PROXY_REQUEST",
    "UNKNOWN_PROTOCOL",
    "PACKET_LENGTH_TOO_LONG",
    "RECORD_LAYER_FAILURE",
    "RECORD_LENGTH_MISMATCH",
    "ENCRYPTED_LENGTH_TOO_LONG",
    "DATA_LENGTH_TOO_LONG",
    "WRONG_VERSION",
)
_REASON_CODES = {
    "PEER_DID_NOT_RETURN_A_CERTIFICATE": mbedtls.SSL_NO_CLIENT_CERTIFICATE,
    "NO_SHARED_CIPHER": mbedtls.SSL_HANDSHAKE_FAILURE,
    "UNSUPPORTED_PROTOCOL": mbedtls.SSL_BAD_PROTOCOL_VERSION,
    "UNEXPECTED_MESSAGE": mbedtls.SSL_UNEXPECTED_MESSAGE,
    "UNEXPECTED_RECORD": mbedtls.SSL_UNEXPECTED_MESSAGE,
    "DECRYPTION_FAILED_OR_BAD_RECORD_MAC": mbedtls.SSL_INVALID_MAC,
    "BAD_RECORD_MAC": mbedtls.SSL_INVALID_MAC,
}


def _code_for(error, during_handshake):
    """mbedTLS's code for an OpenSSL error; see README's list of what cannot be mapped."""
    if isinstance(error, _openssl.SSLEOFError):
        return mbedtls.SSL_CONN_EOF
    reason = getattr(error, "reason", None) or ""
    if "ALERT" in reason:
        return mbedtls.SSL_FATAL_ALERT_MESSAGE  # the peer sent a fatal alert
    if reason in _REASON_CODES:
        return _REASON_CODES[reason]
    if any(marker in reason for marker in _NOT_A_RECORD):
        return mbedtls.SSL_INVALID_RECORD
    return mbedtls.SSL_HANDSHAKE_FAILURE if during_handshake else mbedtls.SSL_INVALID_RECORD


class _WouldBlock(Exception):
    """The socket under the TLS layer has nothing to give or no room (EAGAIN)."""


class _SocketTransport:
    """The emulated socket under the TLS layer: one recv or send per call, as mbedTLS's
    callbacks do one stream read or write of the lwIP socket (its timeout applies)."""

    def __init__(self, sock):
        self.sock = sock

    def recv(self, n):
        try:
            return self.sock.recv(n)
        except OSError as error:
            if error.args and error.args[0] == _EAGAIN:
                raise _WouldBlock from None
            raise

    def send(self, data):
        # A blocking socket takes everything with one sendall (the core hands it to the kernel
        # as it makes room, without copying it into the send buffer first); to the script this
        # is the same as mbedTLS writing again after each short write, each wait under the
        # socket's timeout.
        try:
            if _mpsock.send_timeout_ms(self.sock) != 0:
                self.sock.sendall(data)
                return len(data)
            return self.sock.send(data)
        except OSError as error:
            if error.args and error.args[0] == _EAGAIN:
                raise _WouldBlock from None
            raise


class _StreamTransport:
    """Any other stream (a script's object with read and write), as mbedTLS takes any stream."""

    def __init__(self, stream):
        self.stream = stream

    def recv(self, n):
        data = self.stream.read(n)
        if data is None:
            raise _WouldBlock
        return data

    def send(self, data):
        written = self.stream.write(data)
        if written is None:
            raise _WouldBlock
        return written


def _transport_for(sock):
    if isinstance(sock, _mpsock.lwip.socket):
        return _SocketTransport(sock)
    if hasattr(sock, "read") and hasattr(sock, "write"):
        return _StreamTransport(sock)
    # mp_get_stream_raise
    raise OSError("stream operation not supported")


def _errno_of(error):
    number = error.args[0] if error.args and isinstance(error.args[0], int) else _EINVAL
    return number if number > 0 else _EINVAL


# ---- SSLContext ----


class SSLContext:
    """tls.SSLContext(protocol): an mbedTLS configuration. Clients verify the server by default
    (CERT_REQUIRED), servers do not ask for a client certificate (CERT_NONE)."""

    def __init__(self, *args, **kwargs):
        if kwargs:
            raise TypeError("function doesn't take keyword arguments")
        if len(args) != 1:
            raise TypeError("function takes 1 positional arguments but %d were given" % len(args))
        protocol = _to_int(args[0])
        self._server = bool(protocol & PROTOCOL_TLS_SERVER)
        self._dtls = bool(protocol & PROTOCOL_DTLS_CLIENT)
        self._verify_mode = CERT_NONE if self._server else CERT_REQUIRED
        self._verify_callback = None
        self._own = []  # (chain DER list, key PEM)
        self._trusted = []  # CA certificates, DER
        self._ciphers = None  # mbedTLS names chosen by set_ciphers
        self._openssl = {}  # OpenSSL contexts built for this configuration, by verification

    @property
    def verify_mode(self):
        return self._verify_mode

    @verify_mode.setter
    def verify_mode(self, value):
        self._verify_mode = _to_int(value)

    @property
    def verify_callback(self):
        return self._verify_callback

    @verify_callback.setter
    def verify_callback(self, value):
        self._verify_callback = value

    def get_ciphers(self, *args, **kwargs):
        """The cipher suites the firmware has, in mbedTLS's order of preference."""
        _positional(args, kwargs, 0)
        return [name for name, _ in mbedtls.CIPHER_SUITES]

    def set_ciphers(self, *args, **kwargs):
        (ciphersuite,) = _positional(args, kwargs, 1)
        if not isinstance(ciphersuite, (list, tuple)):
            raise TypeError("object '%s' isn't a tuple or list" % _type_name(ciphersuite))
        if not ciphersuite:
            raise mbedtls.error(mbedtls.SSL_BAD_CONFIG)
        names = []
        for name in ciphersuite:
            if not isinstance(name, (str, bytes)):
                raise TypeError("can't convert '%s' object to str implicitly" % _type_name(name))
            name = name.decode() if isinstance(name, bytes) else name
            if name not in mbedtls.OPENSSL_NAME:
                raise mbedtls.error(mbedtls.SSL_BAD_CONFIG)
            names.append(name)
        self._ciphers = names
        self._openssl.clear()

    def load_cert_chain(self, *args, **kwargs):
        certfile, keyfile = _positional(args, kwargs, 2)
        # The key is parsed first, as ssl_context_load_key does.
        key_pem = _parse_key(_str_data(keyfile))
        chain = _parse_certificates(_str_data(certfile))
        self._check_pair(chain[0], key_pem)
        self._own.append((chain, key_pem))
        self._openssl.clear()

    def load_verify_locations(self, *args, **kwargs):
        (cadata,) = _positional(args, kwargs, 1)
        self._trusted.extend(_parse_certificates(_str_data(cadata)))
        self._openssl.clear()

    def wrap_socket(self, sock, *args, **kwargs):
        if args:
            raise TypeError("extra positional arguments given")
        options = {
            "server_side": False,
            "do_handshake_on_connect": True,
            "server_hostname": None,
            "client_id": None,
        }
        for name, value in kwargs.items():
            if name not in options:
                raise TypeError("unexpected keyword argument '%s'" % name)
            options[name] = value
        hostname = options["server_hostname"]
        if hostname is not None:
            hostname = _str_data(hostname).decode()
        return SSLSocket(
            self,
            sock,
            bool(options["server_side"]),
            bool(options["do_handshake_on_connect"]),
            hostname,
        )

    # ---- For SSLSocket ----

    @staticmethod
    def _check_pair(certificate_der, key_pem):
        # OpenSSL refuses a key that does not match its certificate when it is loaded;
        # mbedTLS takes the pair and the handshake fails later (see README).
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        certificate = x509.load_der_x509_certificate(certificate_der)
        key = serialization.load_pem_private_key(key_pem, password=None)
        try:
            certificate_key = certificate.public_key().public_bytes(*spki)
        except (ValueError, _UnsupportedAlgorithm):
            raise mbedtls.error(mbedtls.X509_BAD_INPUT_DATA) from None
        if certificate_key != key.public_key().public_bytes(*spki):
            raise mbedtls.error(mbedtls.PK_BAD_INPUT_DATA)

    def _openssl_context(self, verify, check_hostname):
        key = (verify, check_hostname)
        context = self._openssl.get(key)
        if context is not None:
            return context
        context = _openssl.SSLContext(
            _openssl.PROTOCOL_TLS_SERVER if self._server else _openssl.PROTOCOL_TLS_CLIENT
        )
        context.minimum_version = context.maximum_version = _openssl.TLSVersion.TLSv1_2
        context.set_ciphers(
            mbedtls.openssl_cipher_list(self._ciphers or [name for name, _ in mbedtls.CIPHER_SUITES])
        )
        if not self._server:
            context.check_hostname = check_hostname
        context.verify_mode = verify
        for chain, key_pem in self._own:
            _load_own_certificate(context, chain, key_pem)
        if self._trusted:
            context.load_verify_locations(cadata=b"".join(self._trusted))
        self._openssl[key] = context
        return context


# ---- SSLSocket ----


class SSLSocket:
    """A TLS connection over a stream (modtls_mbedtls.c's SSLSocket): read, readinto,
    readline and write as a stream; recv, recv_into, send and sendall; setblocking, close,
    getpeercert(True) and cipher(). Its blocking mode and timeout are the wrapped socket's."""

    def __init__(self, context, sock, server_side, do_handshake, hostname):
        transport = _transport_for(sock)
        if context._dtls:
            raise NotImplementedError("mpsock: DTLS is not emulated (CPython's ssl has no DTLS)")
        if hostname is None and context._verify_mode == CERT_REQUIRED and not server_side:
            raise ValueError("CERT_REQUIRED requires server_hostname")
        self._context = context
        self._sock = sock
        self._transport = transport
        self._hostname = hostname
        # mbedTLS verifies only when the mode is CERT_REQUIRED (CERT_OPTIONAL never fails);
        # OpenSSL verifies during the handshake, so the peer sees the same alert.
        self._verifying = context._verify_mode == CERT_REQUIRED
        openssl_context = context._openssl_context(
            _openssl.CERT_REQUIRED if self._verifying else _openssl.CERT_NONE,
            self._verifying and hostname is not None and not context._server,
        )
        self._incoming = _openssl.MemoryBIO()
        self._outgoing = _openssl.MemoryBIO()
        self._tls = openssl_context.wrap_bio(
            self._incoming,
            self._outgoing,
            server_side=context._server,
            server_hostname=None if context._server else hostname,
        )
        self._sslobj = self._tls._sslobj  # its methods, without the wrapper's frame
        # Record boundaries in what OpenSSL was given (see _track_records).
        self._header = b""
        self._body_left = 0
        self._tail = 0
        self._garbage = False
        self._eof = False  # the socket's end of stream has been passed on
        self._peer_closed = False  # the peer's close_notify has come
        self._unsent = b""  # TLS bytes the socket has not taken yet
        self._record_limit = mbedtls.OUT_CONTENT_LEN if _mpsock.current_profile()["strict_surface"] else None
        self._handshake_done = False
        self._poll_mask = 0  # the direction the protocol needs next (mbedTLS's poll_mask)
        self._blocked_on = _POLLIN
        self._last_code = 0  # the sticky error (mbedTLS's last_error)
        self._closed = False
        if do_handshake:
            self._handshake_blocking()

    # ---- The stream methods (py/stream.c over socket_read / socket_write) ----

    def read(self, size=-1):
        if size is None or _to_int(size) == -1:
            return self._read_all()
        size = _to_int(size)
        data = bytearray()
        while len(data) < size:
            try:
                chunk = self._read_once(size - len(data))
            except _WouldBlock:
                if not data:
                    return None
                break
            if not chunk:
                break
            data += chunk
        return bytes(data)

    def readinto(self, buf, size=None):
        view = _buffer(buf, writable=True)
        limit = len(view) if size is None else min(_to_int(size), len(view))
        got = 0
        while got < limit:
            try:
                chunk = self._read_once(limit - got)
            except _WouldBlock:
                if not got:
                    return None
                break
            if not chunk:
                break
            view[got : got + len(chunk)] = chunk
            got += len(chunk)
        return got

    def readline(self, size=-1):
        limit = -1 if size is None else _to_int(size)
        line = bytearray()
        while limit < 0 or len(line) < limit:
            try:
                byte = self._read_once(1)
            except _WouldBlock:
                if not line:
                    return None
                break
            if not byte:
                break
            line += byte
            if byte == b"\n":
                break
        return bytes(line)

    def write(self, buf, *args):
        data = self._write_view(buf, args)
        done = 0
        while done < len(data):
            try:
                done += self._write_once(data[done:])
            except _WouldBlock:
                if not done:
                    return None
                break
        return done

    # The datagram-style names (modtls_mbedtls.c, MBEDTLS_SSL_PROTO_DTLS builds): one read or
    # write of the TLS layer, or the whole stream method.
    def recv(self, size=-1):
        if size is None or _to_int(size) == -1:
            return self._read_all()
        try:
            return self._read_once(_to_int(size))
        except _WouldBlock:
            return None

    def recv_into(self, buf, size=None):
        return self.readinto(buf, size)

    def send(self, buf):
        data = self._write_view(buf, ())
        if not data:
            return 0
        try:
            return self._write_once(data)
        except _WouldBlock:
            return None

    def sendall(self, buf, *args):
        return self.write(buf, *args)

    def setblocking(self, flag):
        if self._sock is None:
            raise mbedtls.os_error(_EBADF)
        return self._sock.setblocking(flag)

    def close(self):
        if self._sock is None:
            return  # already closed (or given up on after a failed handshake)
        self._trace("tls_close", {})
        sock, self._sock = self._sock, None
        self._closed = True
        # mbedtls_ssl_free sends no close_notify; the stream under it is closed.
        sock.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - a finaliser must not raise
            pass

    def getpeercert(self, binary_form):
        if not binary_form:
            raise NotImplementedError
        if self._sock is None or not self._handshake_done:
            return None
        return self._tls.getpeercert(True)

    def cipher(self):
        if not self._handshake_done:
            return ("unknown", "unknown")
        name, _, _ = self._tls.cipher()
        return (mbedtls.MBEDTLS_NAME.get(name, name), mbedtls.PROTOCOL_VERSION)

    def __repr__(self):
        return "<SSLSocket>"

    # ---- select.poll (the stream ioctl, and the socket to wait on when nothing is ready) ----

    def _mp_ioctl(self, request, arg):
        if request == _STREAM_POLL:
            return self._poll(_to_int(arg))
        if request == _STREAM_CLOSE:
            self.close()
            return 0
        return -_EINVAL

    def _poll_events(self, events):
        # When the protocol needs the other direction first (a write waiting for the
        # handshake's next message, say), that direction stands in for what was asked; what
        # was asked is reported once it is there (socket_ioctl's saved_arg).
        saved = 0
        if self._poll_mask and events & _POLL_RDWR:
            saved = events & _POLL_RDWR
            events = (events & ~saved) | self._poll_mask
        return events, saved

    def _poll(self, events):
        if self._sock is None or self._last_code:
            return _POLLNVAL
        events, saved = self._poll_events(events)
        ready = 0
        if events & _POLLIN and self._has_pending():
            ready |= _POLLIN
            if events == _POLLIN:
                return _POLLIN
        ready |= _mpsock.stream_poll(self._sock, events)
        if ready & self._poll_mask:
            ready |= saved
        return ready

    def _mp_poll_target(self, events):
        if self._sock is None or self._last_code:
            return None
        events, _ = self._poll_events(events)
        return (self._sock, events)

    def _has_pending(self):
        # Decrypted data OpenSSL holds, or whole records received and not yet opened
        # (mbedtls_ssl_check_pending: a partial record does not count). Or the peer's
        # close_notify, already opened by a read that returned data with it: the next read
        # gives the end at once. (mbedTLS takes a record at a time from the socket, so on the
        # camera the alert is still in the socket, and the socket's poll says so.)
        return (
            self._peer_closed
            or self._has_whole_record()
            or (self._handshake_done and self._sslobj.pending() > 0)
        )

    # ---- The TLS layer: mbedtls_ssl_read / mbedtls_ssl_write / mbedtls_ssl_handshake ----

    def _check_usable(self):
        if self._last_code:
            raise mbedtls.error(self._last_code)
        if self._sock is None:
            # After close() mbedTLS works on a freed (zeroed) context.
            raise self._fail(mbedtls.SSL_BAD_INPUT_DATA)

    def _fail(self, code, exception=None):
        """Records a fatal error (later calls raise it again) and returns what to raise now."""
        self._last_code = code
        return exception if exception is not None else mbedtls.error(code)

    def _read_once(self, size):
        """One socket_read: up to `size` bytes of one record, b"" at the end of the stream;
        _WouldBlock when a non-blocking socket has nothing."""
        self._poll_mask = 0
        self._check_usable()
        if not self._handshake_done:
            self._handshake(reading=True)
        if size <= 0:
            return b""
        sslobj = self._sslobj
        while True:
            # OpenSSL is asked only when it has something to open, which saves raising
            # SSLWantReadError once per socket read.
            if self._eof or self._peer_closed or self._incoming.pending > self._tail or sslobj.pending():
                try:
                    data = sslobj.read(size)
                    if not data:
                        self._peer_closed = True  # close_notify: the end of the stream, for good
                    return data
                except _openssl.SSLWantReadError:
                    pass
                except _openssl.SSLError as error:
                    raise self._fail(_code_for(error, during_handshake=False)) from None
            self._receive()

    def _write_once(self, data):
        """One socket_write: at most one record's worth (MBEDTLS_SSL_OUT_CONTENT_LEN on a
        camera); _WouldBlock when a non-blocking socket has no room."""
        self._poll_mask = 0
        self._check_usable()
        if not self._handshake_done:
            self._handshake(reading=False)
        count = len(data) if self._record_limit is None else min(len(data), self._record_limit)
        if self._unsent:
            # A record of an earlier call is still going out: mbedTLS flushes it and takes
            # this call for that one again (the caller must pass the same data).
            self._flush()
            return count
        try:
            self._sslobj.write(data[:count])
        except _openssl.SSLError as error:
            raise self._fail(_code_for(error, during_handshake=False)) from None
        self._unsent = self._outgoing.read()
        self._flush()
        return count

    def _read_all(self):
        data = bytearray()
        while True:
            try:
                chunk = self._read_once(_READALL_STEP)
            except _WouldBlock:
                if not data:
                    return None
                break
            if not chunk:
                break
            data += chunk
        return bytes(data)

    @staticmethod
    def _write_view(buf, args):
        """stream_write_method's arguments: buf[, max_len] or buf, off, max_len."""
        if isinstance(buf, str):
            buf = buf.encode()  # MicroPython's str has the buffer protocol
        view = _buffer(buf)
        if len(args) == 1:
            return view[: max(_to_int(args[0]), 0)]
        if len(args) == 2:
            offset = min(max(_to_int(args[0]), 0), len(view))
            return view[offset:][: max(_to_int(args[1]), 0)]
        if args:
            raise TypeError("function expected at most 4 arguments, got %d" % (len(args) + 2))
        return view

    def _receive(self):
        """One read of the socket into OpenSSL. _WouldBlock when there is nothing."""
        try:
            chunk = self._transport.recv(_READ_CHUNK)
        except _WouldBlock:
            self._blocked_on = _POLLIN
            raise
        except OSError as error:
            raise self._fail(-_errno_of(error)) from None
        if not chunk:
            if not self._eof:
                self._eof = True
                self._incoming.write_eof()
            return
        self._incoming.write(chunk)
        self._track_records(chunk)

    def _track_records(self, chunk):
        """Follows the record boundaries in what goes to OpenSSL, so that `_tail` is always the
        length of the last record while it is incomplete (0 at a boundary): what OpenSSL holds
        beyond it are whole records, which open without the socket (mbedtls_ssl_check_pending
        counts those, not a record half received). Bytes that cannot be a record header end
        the tracking: OpenSSL rejects them, as mbedTLS rejects a bad header at once."""
        if self._garbage:
            return
        at = 0
        end = len(chunk)
        while at < end:
            if self._body_left:
                take = min(self._body_left, end - at)
                self._body_left -= take
                at += take
                self._tail = self._tail + take if self._body_left else 0
                continue
            piece = chunk[at : at + 5 - len(self._header)]
            self._header += piece
            at += len(piece)
            if len(self._header) < 5:
                self._tail += len(piece)
                return
            header, self._header = self._header, b""
            length = (header[3] << 8) | header[4]
            if header[0] not in _RECORD_TYPES or header[1] != 3 or length > _MAX_RECORD_BODY:
                self._garbage = True
                self._tail = 0
                return
            self._body_left = length
            self._tail = 5 if length else 0

    def _has_whole_record(self):
        return self._incoming.pending > self._tail

    def _flush(self):
        """Sends the TLS bytes waiting; _WouldBlock when the socket takes no more now."""
        while self._unsent:
            try:
                sent = self._transport.send(self._unsent)
            except _WouldBlock:
                self._blocked_on = _POLLOUT
                raise
            except OSError as error:
                raise self._fail(-_errno_of(error)) from None
            self._unsent = self._unsent[sent:]

    def _handshake(self, reading):
        """Drives the handshake as far as the socket allows; _WouldBlock, with the direction
        the protocol needs next in poll_mask, when it must wait."""
        try:
            self._handshake_steps()
        except _WouldBlock:
            # A read that must first write, or a write that must first read, tells poll so.
            if reading and self._blocked_on == _POLLOUT:
                self._poll_mask = _POLLOUT
            elif not reading and self._blocked_on == _POLLIN:
                self._poll_mask = _POLLIN
            raise

    def _handshake_steps(self):
        while True:
            self._flush()
            if self._handshake_done:
                return
            try:
                self._tls.do_handshake()
            except _openssl.SSLWantReadError:
                self._unsent = self._outgoing.read()
                if not self._unsent:
                    self._receive()
                continue
            except _openssl.SSLError as error:
                self._send_alert()
                raise self._handshake_failed(error) from None
            self._unsent = self._outgoing.read()
            self._flush()
            self._handshake_done = True
            self._after_handshake()
            return

    def _handshake_blocking(self):
        """wrap_socket's handshake: to the end, whatever the socket's mode (on the camera it
        retries every millisecond while a non-blocking socket has nothing; this waits on the
        socket instead)."""
        while True:
            try:
                self._handshake(reading=True)
                return
            except _WouldBlock:
                self._wait(self._blocked_on)

    def _wait(self, events):
        if not isinstance(self._transport, _SocketTransport):
            time.sleep(0.001)  # a script's stream: asked again, as mbedTLS's loop does
            return
        poller = _mpsock.select.poll()
        poller.register(self._sock, events)
        poller.poll(-1)

    def _send_alert(self):
        # OpenSSL's alert for a failed handshake, so the peer learns why, as mbedTLS sends its
        # own; the socket may refuse it.
        alert = self._outgoing.read()
        if alert:
            try:
                self._transport.send(alert)
            except (OSError, _WouldBlock):
                pass

    def _handshake_failed(self, error):
        """ssl_check_async_handshake_failure / ssl_socket_make_new's cleanup: the TLS state is
        freed and the stream let go (not closed)."""
        if isinstance(error, _openssl.SSLCertVerificationError):
            if not self._context._trusted:
                exception = self._fail(mbedtls.SSL_CA_CHAIN_REQUIRED)
            else:
                exception = self._fail(mbedtls.X509_CERT_VERIFY_FAILED, self._verify_failure(error))
        else:
            exception = self._fail(_code_for(error, during_handshake=True))
        self._trace("tls_handshake", {"errno": self._last_code})
        self._sock = None
        return exception

    def _verify_failure(self, error):
        try:
            chain = [
                cert.public_bytes(_openssl._ssl.ENCODING_DER)
                for cert in self._tls._sslobj.get_unverified_chain()
            ]
        except (AttributeError, ValueError, TypeError):
            chain = []
        hostname = self._hostname if not self._context._server else None
        now = datetime.datetime.now(datetime.timezone.utc)
        flags = mbedtls.chain_flags(chain, self._context._trusted, hostname, now) if chain else 0
        if not flags:
            flags = mbedtls.FLAG_FOR_OPENSSL_VERIFY_CODE.get(error.verify_code, mbedtls.BADCERT_OTHER)
        return mbedtls.verify_failure(flags)

    def _after_handshake(self):
        callback = self._context._verify_callback
        if callback is not None and self._context._verify_mode != CERT_NONE:
            self._run_verify_callback(callback)
        name, _, _ = self._tls.cipher()
        self._trace("tls_handshake", {"cipher": mbedtls.MBEDTLS_NAME.get(name, name), "result": 0})

    def _run_verify_callback(self, callback):
        # mbedTLS calls it for each certificate of the path, the root first, with the DER and
        # the depth; a non-zero answer fails the handshake with that code. Here it runs once
        # OpenSSL has finished the handshake (the peer has seen it succeed by then).
        sslobj = self._tls._sslobj
        try:
            chain = sslobj.get_verified_chain() if self._verifying else sslobj.get_unverified_chain()
        except (AttributeError, ValueError):
            chain = []
        ders = [cert.public_bytes(_openssl._ssl.ENCODING_DER) for cert in chain or []]
        for depth in range(len(ders) - 1, -1, -1):
            answer = _to_int(callback(memoryview(ders[depth]), depth))
            if answer != 0:
                self._handshake_done = False
                raise self._handshake_failed_with(answer)

    def _handshake_failed_with(self, code):
        exception = self._fail(code)
        self._trace("tls_handshake", {"errno": code})
        self._sock = None
        return exception

    def _trace(self, call, fields):
        if self._sock is not None:
            _mpsock.trace_call(self._sock, call, fields)


SSLContext.__module__ = SSLSocket.__module__ = "tls"


def make_module(name="tls"):
    """The tls module (modtls_mbedtls.c mp_module_tls_globals_table)."""
    module = types.ModuleType(name)
    module.SSLContext = SSLContext
    module.MBEDTLS_VERSION = mbedtls.VERSION
    module.PROTOCOL_TLS_CLIENT = PROTOCOL_TLS_CLIENT
    module.PROTOCOL_TLS_SERVER = PROTOCOL_TLS_SERVER
    module.PROTOCOL_DTLS_CLIENT = PROTOCOL_DTLS_CLIENT
    module.PROTOCOL_DTLS_SERVER = PROTOCOL_DTLS_SERVER
    module.CERT_NONE = CERT_NONE
    module.CERT_OPTIONAL = CERT_OPTIONAL
    module.CERT_REQUIRED = CERT_REQUIRED
    return module
