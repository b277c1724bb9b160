"""The modules a camera script imports, as the emulator provides them."""

import types

from . import _mpsock, moderrno, modmicropython, modtime

# Modules that exist only on the camera. Importing one gets a clear message instead of a bare
# ModuleNotFoundError (a script's own stand-in module, beside the script, still wins).
CAMERA_ONLY = frozenset(
    """
    csi sensor image machine pyb omv lcd tf ml display fir tv gif mjpeg audio micro_speech imu rpc
    rtsp buzzer cpufreq ulab openamp stm mimxrt alif bluetooth ubluetooth lwip
    """.split()
)

EMULATED = ("socket", "select", "errno", "time", "micropython")
# Camera stand-ins (the camera-only modules that have one; the rest still get the message).
CAMERA_STANDINS = ("csi", "sensor", "image", "omv", "machine", "pyb")


def socket_module():
    """The socket module for the current profile: the firmware's surface, or the desktop
    profile's, which adds getsockname, getpeername, gettimeout and `with`; without the names
    the board or its firmware release lacks (SO_RCVTIMEO on lwIP boards, MSG_PEEK before
    v1.26, ...)."""
    full = _mpsock.lwip if _mpsock.current_profile()["strict_surface"] else _mpsock.lwip_desktop
    absent = set(_mpsock.socket_names_absent())
    if not absent:
        return full
    module = types.ModuleType("socket", full.__doc__)
    for name, value in vars(full).items():
        if name not in absent and name not in ("__name__", "__doc__", "__spec__", "__loader__", "__package__"):
            setattr(module, name, value)
    return module


def script_modules():
    """A fresh set of module objects for one script run, by the names a script imports,
    including MicroPython's u-prefixed aliases."""
    socket = socket_module()
    errno = moderrno.make_module()
    time = modtime.make_module()
    modules = {
        "socket": socket,
        "usocket": socket,
        "select": _mpsock.select,
        "uselect": _mpsock.select,
        "errno": errno,
        "uerrno": errno,
        "time": time,
        "utime": time,
        "micropython": modmicropython.make_module(),
    }
    modules.update(camera_modules())
    try:
        from . import modnetwork
    except ImportError:
        pass
    else:
        network = modnetwork.make_module()
        modules["network"] = network
    return modules


class _LazyModule(types.ModuleType):
    """A module built on first use: the image library (Pillow) loads only for scripts that
    use the camera."""

    def __init__(self, name, make):
        super().__init__(name)
        self.__dict__["_mpsock_make"] = make

    def __getattr__(self, attr):
        make = self.__dict__.pop("_mpsock_make", None)
        if make is None:
            raise AttributeError("module '%s' has no attribute '%s'" % (self.__name__, attr))
        built = make()
        for key, value in built.__dict__.items():
            if key not in ("__name__", "__spec__", "__loader__"):
                self.__dict__[key] = value
        return getattr(self, attr)


def camera_modules():
    """The camera stand-ins of one run: csi and sensor share the board's sensor, machine and
    pyb its LEDs."""
    from . import leds, modmachine, modomv, modpyb

    board = leds.Board()
    shared = {}

    def sensor():
        from . import camera

        if "sensor" not in shared:
            shared["sensor"] = camera.new_board_sensor()
        return shared["sensor"]

    def csi():
        from . import modcsi

        return modcsi.make_module(sensor())

    def sensor_module():
        from . import modsensor

        return modsensor.make_module(sensor())

    def image():
        from . import modimage

        return modimage.make_module()

    return {
        "csi": _LazyModule("csi", csi),
        "sensor": _LazyModule("sensor", sensor_module),
        "image": _LazyModule("image", image),
        "omv": modomv.make_module(),
        "machine": modmachine.make_module(board),
        "pyb": modpyb.make_module(board),
    }


def camera_only_message(name):
    emulated = ", ".join(EMULATED + ("network",) + CAMERA_STANDINS)
    return (
        "mpsock: '%s' is a camera module that mpsock does not emulate (it emulates %s). "
        "Run this part on the camera, or put a stand-in %s.py beside the script." % (name, emulated, name)
    )
