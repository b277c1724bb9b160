"""The modules a camera script imports, as the emulator provides them."""

from . import _mpsock, moderrno, modmicropython, modssl, modtime, modtls

# Modules that exist only on the camera. Importing one gets a clear message instead of a bare
# ModuleNotFoundError (a script's own stand-in module, beside the script, still wins).
CAMERA_ONLY = frozenset(
    """
    sensor image machine pyb omv lcd tf ml display fir tv gif mjpeg audio micro_speech imu rpc
    rtsp buzzer cpufreq ulab openamp stm mimxrt alif bluetooth ubluetooth lwip
    """.split()
)

EMULATED = ("socket", "select", "errno", "time", "micropython", "ssl", "tls")


def socket_module():
    """The socket module for the current profile: the firmware's surface, or the desktop
    profile's, which adds getsockname, getpeername, gettimeout and `with`."""
    if _mpsock.current_profile()["strict_surface"]:
        return _mpsock.lwip
    return _mpsock.lwip_desktop


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
    # TLS: the built-in tls module and the frozen ssl wrapper over it (no ussl on the firmware).
    modules["tls"] = modtls.make_module()
    modules["ssl"] = modssl.make_module(modules["tls"])
    try:
        from . import modnetwork
    except ImportError:
        pass
    else:
        network = modnetwork.make_module()
        modules["network"] = network
    return modules


def camera_only_message(name):
    emulated = ", ".join(EMULATED + ("network",))
    return (
        "mpsock: '%s' is a camera module that mpsock does not emulate (it emulates %s). "
        "Run this part on the camera, or put a stand-in %s.py beside the script." % (name, emulated, name)
    )
