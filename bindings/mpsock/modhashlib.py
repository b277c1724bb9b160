"""The hashlib module a camera script sees: MicroPython's sha256, sha1 and md5, whose
constructor and update() take a str too (its UTF-8 bytes), and which give digest() only (no
hexdigest: scripts use binascii.hexlify(h.digest()))."""

import hashlib as _host
import types

from .dialect import NOTES


def _data(value):
    if isinstance(value, str):
        NOTES.note(
            "hashlib-str",
            "passed a str to hashlib: the camera hashes its UTF-8 bytes (CPython raises TypeError)",
        )
        return value.encode("utf-8")
    return value


def _hash_class(name):
    class Hash:
        def __init__(self, data=None):
            self._hash = _host.new(name)
            if data is not None:
                self.update(data)

        def update(self, data):
            self._hash.update(_data(data))

        def digest(self):
            return self._hash.digest()

    Hash.__name__ = Hash.__qualname__ = name
    return Hash


def make_module(board):
    module = types.ModuleType("hashlib")
    for name in ("sha256", "sha1", "md5"):
        setattr(module, name, _hash_class(name))
    return module
