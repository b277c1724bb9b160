"""The sys module a camera script sees: the board's identity from the profile (sys.platform,
sys.implementation with MicroPython's version, the board's _machine and _build), MicroPython's
sys.print_exception, and the process's own argv, path, modules and standard streams. On the
virtual camera sys.path is the board's own list (the profile's `sys_path`), which its imports
search through the board's filesystems."""

import sys as _host_sys
import types

# sys.implementation._mpy: MPY_VERSION | MPY_SUB_VERSION << 8 | native architecture << 10
# (py/persistentcode.h, the architectures in the order of MP_NATIVE_ARCH_*).
MPY_VERSION = 6
MPY_SUB_VERSION = 3
NATIVE_ARCHES = (
    "",
    "x86",
    "x64",
    "armv6",
    "armv6m",
    "armv7m",
    "armv7em",
    "armv7emsp",
    "armv7emdp",
    "xtensa",
    "xtensawin",
    "rv32imc",
    "rv64imc",
)
PYTHON_VERSION = (3, 4, 0)  # what MicroPython reports as the language it implements


class AttrTuple(tuple):
    """MicroPython's attrtuple: a tuple whose items also have names (sys.implementation,
    os.uname())."""

    def __new__(cls, **fields):
        self = tuple.__new__(cls, fields.values())
        self.__dict__.update(fields)
        self._names = tuple(fields)
        return self

    def __repr__(self):
        return "(%s)" % ", ".join("%s=%r" % (name, getattr(self, name)) for name in self._names)


def version_tuple(text):
    parts = [int(part) for part in text.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def implementation(profile):
    arch = profile["mpy_arch"]
    mpy = MPY_VERSION | MPY_SUB_VERSION << 8
    if arch in NATIVE_ARCHES:
        mpy |= NATIVE_ARCHES.index(arch) << 10
    fields = dict(
        name="micropython",
        version=version_tuple(profile["micropython_version"]) + ("",),
        _machine=profile["machine"],
        _mpy=mpy,
        _build=profile["build"],
    )
    if "_thread" in profile["builtin_modules"]:
        fields["_thread"] = "GIL"
    return AttrTuple(**fields)


def version_string(profile):
    return "%d.%d.%d; MicroPython v%s" % (PYTHON_VERSION + (profile["micropython_version"],))


def print_exception(exc, file=None):
    """MicroPython's sys.print_exception: the traceback and the exception, to stdout by default."""
    from . import runner

    runner.print_micropython_traceback(exc, file if file is not None else _host_sys.stdout)


def exit(retval=0):
    raise SystemExit(retval)


# Read from the process when used, so the runner's own stream and argv set-up is what a script
# sees.
_FROM_HOST = ("argv", "path", "modules", "stdin", "stdout", "stderr")


def make_module(board):
    profile = board.profile
    module = types.ModuleType("sys")
    module.platform = profile["platform"]
    module.implementation = implementation(profile)
    module.version = version_string(profile)
    module.version_info = PYTHON_VERSION
    module.byteorder = "little"
    # A 32-bit board's small-int limit; its integers are arbitrary-precision all the same.
    module.maxsize = 2**31 - 1 if profile["mpy_arch"] else _host_sys.maxsize
    module.exit = exit
    module.print_exception = print_exception

    host_extras = profile["host_modules"]  # the desktop profile: CPython's sys beyond the board's
    from_host = _FROM_HOST
    if board.options.get("flash"):
        module.path = list(profile["sys_path"])
        from_host = tuple(name for name in _FROM_HOST if name != "path")

    def __getattr__(name):
        if name in from_host or (host_extras and hasattr(_host_sys, name)):
            return getattr(_host_sys, name)
        raise AttributeError("'module' object has no attribute '%s'" % name)

    module.__getattr__ = __getattr__
    return module
