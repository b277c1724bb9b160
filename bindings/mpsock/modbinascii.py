"""The binascii module a camera script sees: MicroPython's functions, which take a str wherever
they take bytes (the str's UTF-8 bytes), as `binascii.b2a_base64("user:pass")` in HTTP clients'
basic authentication expects."""

import binascii as _host
import types

from .dialect import NOTES


def _data(value):
    if isinstance(value, str):
        NOTES.note(
            "binascii-str",
            "passed a str to binascii: the camera takes its UTF-8 bytes (CPython raises TypeError)",
        )
        return value.encode("utf-8")
    return value


def hexlify(data, sep=None):
    data = _data(data)
    if sep is None:
        return _host.hexlify(data)
    sep = _data(sep)
    # MicroPython puts the separator between every pair of hex digits, whatever its length.
    return sep.join(_host.hexlify(data[i : i + 1]) for i in range(len(data)))


def unhexlify(data):
    return _host.unhexlify(_data(data))


def a2b_base64(data):
    return _host.a2b_base64(_data(data))


def b2a_base64(data, *, newline=True):
    return _host.b2a_base64(_data(data), newline=newline)


def crc32(data, value=0):
    return _host.crc32(_data(data), value)


def make_module(board):
    module = types.ModuleType("binascii")
    for function in (hexlify, unhexlify, a2b_base64, b2a_base64, crc32):
        setattr(module, function.__name__, function)
    return module
