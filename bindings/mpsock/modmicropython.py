"""A stand-in for MicroPython's micropython module, so scripts that use const() or the
code-emitter decorators run unchanged."""

import types

from . import _mpsock


def const(value):
    return value


def _same(function):
    return function


def opt_level(level=None):
    return 0 if level is None else None


def alloc_emergency_exception_buf(size):
    return None


def _nothing(*args):
    return None


def schedule(function, arg):
    """Runs function(arg) on the main thread soon; RuntimeError when 4 are already queued."""
    try:
        _mpsock.schedule(function, arg)
    except RuntimeError:
        raise RuntimeError("schedule queue full") from None


def make_module(name="micropython", kbd_intr=None):
    """`kbd_intr(char)`, when given, sets the character that interrupts a program (-1: none), as
    the virtual camera's console needs it for mpremote's mount protocol."""
    module = types.ModuleType(name)
    module.const = const
    module.native = module.viper = module.asm_thumb = _same
    module.opt_level = opt_level
    module.alloc_emergency_exception_buf = alloc_emergency_exception_buf
    module.mem_info = module.qstr_info = module.stack_use = _nothing
    module.heap_lock = module.heap_unlock = module.kbd_intr = _nothing
    if kbd_intr is not None:
        module.kbd_intr = kbd_intr
    module.schedule = schedule
    return module
