"""The builtins a camera script sees: CPython's, less the names MicroPython does not have (most
of CPython's OSError subclasses, among them TimeoutError, ConnectionRefusedError and
BlockingIOError, which a script could otherwise catch here and never on the camera), plus
`const`, which MicroPython's compiler knows in every module without an import. On the virtual
camera open() opens the board's files (modvfs.py)."""

import builtins as _host_builtins
import types

from . import dialect, modmicropython

# The exception classes MicroPython has (py/objexcept.c, py/modbuiltins.c).
EXCEPTIONS = frozenset(
    """
    ArithmeticError AssertionError AttributeError BaseException EOFError Exception GeneratorExit
    ImportError IndentationError IndexError KeyboardInterrupt KeyError LookupError MemoryError
    NameError NotImplementedError OSError OverflowError RuntimeError StopAsyncIteration
    StopIteration SyntaxError SystemExit TypeError UnicodeError ValueError ZeroDivisionError
    """.split()
)

# CPython builtins that are no functions of MicroPython's either (the interactive helpers).
NOT_ON_BOARD = frozenset("breakpoint copyright credits license exit quit".split())


def board_builtins(board=None):
    """A fresh dict of the board's builtins (CPython's objects, so they behave the same); with
    a board that has filesystems, its open()."""
    names = {}
    for key, value in _host_builtins.__dict__.items():
        if key in NOT_ON_BOARD:
            continue
        if isinstance(value, type) and issubclass(value, BaseException) and key not in EXCEPTIONS:
            continue
        names[key] = value
    names["const"] = modmicropython.const
    names.update(dialect.dialect_builtins())
    if board is not None:
        from .modvfs import board_filesystem

        table = board_filesystem(board)
        if table is not None:
            names["open"] = table.open
    return names


def missing_names():
    """The CPython builtins a script does not get."""
    return sorted(set(_host_builtins.__dict__) - set(board_builtins()))


def make_module(board, builtins_dict=None):
    module = types.ModuleType("builtins")
    for key, value in (builtins_dict or board_builtins(board)).items():
        if not key.startswith("__mpsock"):
            setattr(module, key, value)
    return module
