"""The modules a camera script imports, as the emulator provides them: one table.

`MAKERS` maps a module's name to the function that makes it for one script run (`maker(board)`,
where `board` is the run's `BoardModules`: its profile and its other modules). Whether a name
can be imported at all is the board's decision, from the profile's module lists
(`builtin_modules`, `frozen_modules`):

- a name on the board with a maker here gives the emulator's module;
- `u` + a built-in module's name (`ujson`, `usocket`) gives that module, as on the board;
- a name on the board without a maker fails with a message that says so (CAMERA_ONLY names get
  the camera message), unless the script carries its own module of that name;
- any other name fails as on the board: ImportError "no module named '...'".

Adding a module: write bindings/mpsock/mod<name>.py with a `make_module(...)`, and register it
below with `register("name", maker)` (or `register_host("name")` for a standard library module
that is close enough to the board's to be used as it is).
"""

import importlib

from . import _mpsock

# Modules that exist only on the camera. Importing one gets a clear message instead of a bare
# ImportError (a script's own stand-in module, beside the script, still wins).
CAMERA_ONLY = frozenset(
    """
    sensor csi image pyb omv lcd tf ml display fir tv gif mjpeg audio micro_speech imu rpc
    rtsp buzzer cpufreq ulab openamp stm mimxrt alif bluetooth ubluetooth lwip
    """.split()
)

# The emulator's own package: importable from a script (the conformance probe asks it which
# profile it stands for), though no board has it.
ALWAYS = frozenset(["mpsock"])

MAKERS = {}
HOST = set()  # names whose maker gives CPython's module as it is


def register(name, maker):
    """Makes `import name` give maker(board) in a script run (once per run)."""
    MAKERS[name] = maker


def register_host(name, host_name=None):
    """Makes `import name` give CPython's module of that name, as it is."""
    HOST.add(name)
    register(name, lambda board: importlib.import_module(host_name or name))


def socket_module():
    """The socket module for the current profile: the firmware's surface, or the desktop
    profile's, which adds getsockname, getpeername, gettimeout and `with`."""
    if _mpsock.current_profile()["strict_surface"]:
        return _mpsock.lwip
    return _mpsock.lwip_desktop


def _network(board):
    from . import modnetwork

    return modnetwork.make_module()


def _module_of(name, *args):
    def make(board):
        module = importlib.import_module("mpsock.mod" + name)
        return module.make_module(board, *args)

    return make


def _without_board(name):
    # Modules the same on every board: their make_module() takes no board.
    return lambda board: importlib.import_module("mpsock.mod" + name).make_module()


register("socket", lambda board: socket_module())
register("select", lambda board: _mpsock.select)
register("errno", _without_board("errno"))
register(
    "micropython",
    lambda board: importlib.import_module("mpsock.modmicropython").make_module(
        kbd_intr=board.options.get("kbd_intr")
    ),
)
register("network", _network)
for _name in ("time", "sys", "os", "gc", "machine", "binascii", "hashlib", "builtins", "pyb", "vfs"):
    register(_name, _module_of(_name))


# The camera stand-ins: csi and sensor share the run's sensor (camera.py); the image library
# (Pillow) loads only when a script imports one of them.
def _camera_sensor(board):
    from . import camera

    return board.shared("sensor", camera.new_board_sensor)


register("csi", lambda board: importlib.import_module("mpsock.modcsi").make_module(_camera_sensor(board)))
register("sensor", lambda board: importlib.import_module("mpsock.modsensor").make_module(_camera_sensor(board)))
def _image(board):
    from .modvfs import board_filesystem

    table = board_filesystem(board)  # on the virtual camera, image files are the flash's
    return importlib.import_module("mpsock.modimage").make_module(open_file=table.open if table else None)


register("image", _image)
register("omv", _without_board("omv"))

# MicroPython's asyncio (frozen into the firmware): one module and one loop per run, under both
# names. Made on first import, after prepare() set up the stack its poll runs on.
register(
    "asyncio",
    lambda board: importlib.import_module("mpsock.modasyncio").make_module(ssl_module=lambda: board.get("ssl")),
)
register("uasyncio", lambda board: board.get("asyncio"))

# TLS: the firmware's built-in tls module, and the ssl wrapper over it that the firmware freezes
# (there is no ussl).
register("tls", _without_board("tls"))
register("ssl", lambda board: importlib.import_module("mpsock.modssl").make_module(board.get("tls")))
for _name in (
    "array",
    "cmath",
    "collections",
    "heapq",
    "io",
    "json",
    "math",
    "random",
    "re",
    "struct",
    "_thread",
):
    register_host(_name)


def _leds():
    from . import leds

    return leds.Board()


_SHARED_MAKERS = {"leds": _leds}


class BoardModules:
    """The modules of one script run: made on first import, then the same object each time."""

    def __init__(self, profile=None, options=None):
        self.profile = profile or _mpsock.current_profile()
        self.options = dict(options or {})  # the run's settings, for makers that need them
        self.builtin = frozenset(self.profile["builtin_modules"])
        self.frozen = frozenset(self.profile["frozen_modules"])
        self._made = {}
        self._shared = {}

    def shared(self, key, make=None):
        """State the run's modules share (the LEDs of machine.LED and pyb.LED, the sensor of csi
        and sensor), made on first use."""
        value = self._shared.get(key)
        if value is None:
            if make is None:
                make = _SHARED_MAKERS[key]
            value = self._shared[key] = make()
        return value

    def canonical(self, name):
        """The board's name for `name` (ujson -> json), or None if the board has no such module."""
        if name in self.builtin or name in self.frozen:
            return name
        if name.startswith("u") and name[1:] in self.builtin:
            return name[1:]
        return None

    def is_builtin(self, name):
        canonical = self.canonical(name)
        return canonical is not None and canonical in self.builtin

    def get(self, name, default=None):
        """The module for `name`, or `default` if the board has none or mpsock cannot make it."""
        canonical = self.canonical(name)
        if canonical is None or canonical not in MAKERS:
            return default
        module = self._made.get(canonical)
        if module is None:
            try:
                module = MAKERS[canonical](self)
            except ImportError:
                return default
            self._made[canonical] = module
        return module

    def __getitem__(self, name):
        module = self.get(name)
        if module is None:
            raise KeyError(name)
        return module

    def __contains__(self, name):
        return self.get(name) is not None

    def import_error(self, name):
        """The ImportError the board (or, for what mpsock lacks, mpsock) gives for `name`."""
        top = name.partition(".")[0]
        canonical = self.canonical(top)
        if canonical is None or top != name:
            # The board's own words (MicroPython has no ModuleNotFoundError).
            return ImportError("no module named '%s'" % name, name=name)
        if canonical in CAMERA_ONLY:
            return ModuleNotFoundError(camera_only_message(canonical), name=top)
        return ModuleNotFoundError(
            "mpsock: '%s' is one of the board's %s modules, but mpsock has no stand-in for it. Put a "
            "copy or a stand-in %s.py beside the script."
            % (canonical, "built-in" if canonical in self.builtin else "frozen", canonical),
            name=top,
        )


def script_modules(options=None):
    """The modules of one script run, by the names a script imports (u-prefixed aliases too)."""
    return BoardModules(options=options)


def camera_only_message(name):
    emulated = ", ".join(n for n in MAKERS if n not in HOST)
    return (
        "mpsock: '%s' is a camera module that mpsock does not emulate (it emulates %s). "
        "Run this part on the camera, or put a stand-in %s.py beside the script." % (name, emulated, name)
    )
