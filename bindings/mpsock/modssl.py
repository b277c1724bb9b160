"""The ssl module a camera script sees. On the firmware it is not built in: OpenMV's board
manifests freeze micropython-lib's `python-stdlib/ssl` (`require("ssl")`), a small Python
module over the built-in `tls` (modtls.py here). So a script sees `tls`'s constants and
MBEDTLS_VERSION, the `tls` module itself as `ssl.tls`, and:

- `ssl.SSLContext(protocol)`: a Python class around `tls.SSLContext` that starts with
  CERT_NONE (where `tls.SSLContext` verifies a server by default), reads files named by
  `load_cert_chain(certfile, keyfile)` and `load_verify_locations(cafile=None, cadata=None)`,
  and has no `get_ciphers`/`set_ciphers` (those are `tls.SSLContext`'s);
- `ssl.wrap_socket(sock, server_side=False, key=None, cert=None, cert_reqs=CERT_NONE,
  cadata=None, server_hostname=None, do_handshake=True)`.

The socket both return is `tls`'s SSLSocket. There is no `ussl` on current firmware.
"""

import types

from . import modtls

VERSION = "0.2.1"  # the package's metadata(version=...), frozen in as __version__


def _read_file(name):
    with open(name, "rb") as handle:
        return handle.read()


class SSLContext:
    def __init__(self, *args):
        self._context = modtls.SSLContext(*args)
        self._context.verify_mode = modtls.CERT_NONE

    @property
    def verify_mode(self):
        return self._context.verify_mode

    @verify_mode.setter
    def verify_mode(self, value):
        self._context.verify_mode = value

    def load_cert_chain(self, certfile, keyfile):
        if isinstance(certfile, str):
            certfile = _read_file(certfile)
        if isinstance(keyfile, str):
            keyfile = _read_file(keyfile)
        self._context.load_cert_chain(certfile, keyfile)

    def load_verify_locations(self, cafile=None, cadata=None):
        if cafile:
            cadata = _read_file(cafile)
        self._context.load_verify_locations(cadata)

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        return self._context.wrap_socket(
            sock,
            server_side=server_side,
            do_handshake_on_connect=do_handshake_on_connect,
            server_hostname=server_hostname,
        )


def wrap_socket(
    sock,
    server_side=False,
    key=None,
    cert=None,
    cert_reqs=modtls.CERT_NONE,
    cadata=None,
    server_hostname=None,
    do_handshake=True,
):
    context = SSLContext(modtls.PROTOCOL_TLS_SERVER if server_side else modtls.PROTOCOL_TLS_CLIENT)
    if cert or key:
        context.load_cert_chain(cert, key)
    if cadata:
        context.load_verify_locations(cadata=cadata)
    context.verify_mode = cert_reqs
    return context.wrap_socket(
        sock, server_side=server_side, do_handshake_on_connect=do_handshake, server_hostname=server_hostname
    )


SSLContext.__module__ = wrap_socket.__module__ = "ssl"


def make_module(tls, name="ssl"):
    """The ssl module over `tls` (the run's tls module object): `from tls import *`, then the
    wrapper's own names."""
    module = types.ModuleType(name)
    for attribute in dir(tls):
        if not attribute.startswith("_"):
            setattr(module, attribute, getattr(tls, attribute))
    module.tls = tls
    module.SSLContext = SSLContext
    module.wrap_socket = wrap_socket
    module.__file__ = "ssl.py"
    module.__version__ = VERSION
    return module
