"""The errno module a camera script sees: MicroPython's errno numbers (py/mperrno.h) on every
host, with the names MicroPython's errno module has."""

import types

# MicroPython's MICROPY_PY_ERRNO_LIST, in its order.
NUMBERS = {
    "EPERM": 1,
    "ENOENT": 2,
    "EIO": 5,
    "EBADF": 9,
    "EAGAIN": 11,
    "ENOMEM": 12,
    "EACCES": 13,
    "EEXIST": 17,
    "ENODEV": 19,
    "EISDIR": 21,
    "EINVAL": 22,
    "EOPNOTSUPP": 95,
    "EADDRINUSE": 98,
    "ECONNABORTED": 103,
    "ECONNRESET": 104,
    "ENOBUFS": 105,
    "ENOTCONN": 107,
    "ETIMEDOUT": 110,
    "ECONNREFUSED": 111,
    "EHOSTUNREACH": 113,
    "EALREADY": 114,
    "EINPROGRESS": 115,
}

NUMBERS_BY_VALUE = {value: key for key, value in NUMBERS.items()}


def oserror(number):
    """The OSError the board raises for an errno: args (number,), e.errno set (CPython leaves
    it None for one argument), strerror the errno name where the errno module has one, as the
    emulator's socket errors are made."""
    error = OSError(number)
    error.errno = number
    if number in NUMBERS_BY_VALUE:
        error.strerror = NUMBERS_BY_VALUE[number]
    return error


def make_module(name="errno"):
    module = types.ModuleType(name)
    for key, value in NUMBERS.items():
        setattr(module, key, value)
    module.errorcode = {value: key for key, value in NUMBERS.items()}
    return module
