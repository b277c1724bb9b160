"""The module surface a script sees (docs/firmware-behaviour.md §1): names, values, and nothing the camera
lacks in the strict profile."""

import mpsock

FIRMWARE_CONSTANTS = {
    "AF_INET": 2,
    "AF_INET6": 10,
    "SOCK_STREAM": 1,
    "SOCK_DGRAM": 2,
    "SOL_SOCKET": 1,
    "SO_REUSEADDR": 4,
    "SO_BROADCAST": 0x20,
    "IPPROTO_IP": 0,
    "IP_ADD_MEMBERSHIP": 0x400,
    "IP_DROP_MEMBERSHIP": 0x401,
    "IPPROTO_TCP": 6,
    "TCP_NODELAY": 0x40,
    "MSG_PEEK": 1,
    "MSG_DONTWAIT": 2,
}
# Not in modlwip: boards whose WiFi module runs its own sockets have them, and the desktop.
TIMEOUT_OPTIONS = {"SO_SNDTIMEO": 0x1005, "SO_RCVTIMEO": 0x1006}

FIRMWARE_METHODS = (
    "close bind listen accept connect send recv sendto recvfrom sendall settimeout setblocking "
    "setsockopt makefile read readinto readline write __del__"
).split()


def test_constants_have_the_firmware_values(emu):
    for name, value in FIRMWARE_CONSTANTS.items():
        assert getattr(emu, name) == value, name
    for name in TIMEOUT_OPTIONS:
        assert not hasattr(emu, name), name
    assert emu.__name__ == "socket"


def test_desktop_has_the_timeout_options(desktop):
    for name, value in dict(FIRMWARE_CONSTANTS, **TIMEOUT_OPTIONS).items():
        assert getattr(desktop, name) == value, name


def test_older_releases_lack_what_came_later():
    from mpsock.modules import socket_module

    surfaces = {}
    for release in ("1.22", "1.23", "1.25", "1.26"):
        mpsock.use_profile("openmv-rt1062", release)
        surfaces[release] = {name for name in FIRMWARE_CONSTANTS if hasattr(socket_module(), name)}
    mpsock.use_profile("openmv-rt1062")
    later = {"IPPROTO_TCP", "TCP_NODELAY", "MSG_PEEK", "MSG_DONTWAIT"}
    assert surfaces["1.22"] == set(FIRMWARE_CONSTANTS) - later
    assert surfaces["1.23"] == surfaces["1.25"] == set(FIRMWARE_CONSTANTS) - {"MSG_PEEK", "MSG_DONTWAIT"}
    assert surfaces["1.26"] == set(FIRMWARE_CONSTANTS)


def test_every_firmware_method_is_there(emu):
    s = emu.socket()
    for name in FIRMWARE_METHODS:
        assert callable(getattr(s, name)), name
    s.close()


def test_strict_profile_lacks_what_the_camera_lacks(emu):
    s = emu.socket()
    for name in ("getsockname", "getpeername", "fileno", "shutdown", "getsockopt", "detach"):
        assert not hasattr(s, name), name
    s.close()


def test_desktop_profile_adds_conveniences(desktop):
    s = desktop.socket()
    s.bind(("127.0.0.1", 0))
    assert s.getsockname()[0] == "127.0.0.1"
    assert s.gettimeout() is None
    with desktop.socket() as t:
        assert isinstance(t, desktop.socket)
    s.close()


def test_select_module(emu):
    select = mpsock._mpsock.select
    assert (select.POLLIN, select.POLLOUT, select.POLLERR, select.POLLHUP) == (1, 4, 8, 0x10)
    assert callable(select.poll) and callable(select.select)


def test_errno_module_has_micropython_numbers():
    from mpsock import moderrno

    errno = moderrno.make_module()
    assert errno.EAGAIN == 11 and errno.ETIMEDOUT == 110 and errno.ECONNRESET == 104
    assert errno.EINPROGRESS == 115 and errno.EHOSTUNREACH == 113
    assert errno.errorcode[110] == "ETIMEDOUT"
    assert not hasattr(errno, "EISCONN")  # not in MicroPython's errno module


def test_time_module_ticks_wrap_like_micropython():
    from mpsock import modtime

    time = modtime.make_module()
    period = 1 << 30
    assert time.ticks_diff(5, period - 5) == 10
    assert time.ticks_diff(period - 5, 5) == -10
    assert time.ticks_add(period - 1, 2) == 1
    assert 0 <= time.ticks_ms() < period and 0 <= time.ticks_us() < period
    assert callable(time.sleep_ms) and callable(time.sleep_us) and callable(time.localtime)
    start = time.ticks_ms()
    time.sleep_ms(20)
    assert time.ticks_diff(time.ticks_ms(), start) >= 20


def test_socket_repr(emu):
    s = emu.socket()
    assert repr(s) == "<socket state=0 timeout=4294967295 incoming=0 off=0>"
    s.settimeout(1.5)
    assert "timeout=1500" in repr(s)
    u = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    assert repr(u) == "<socket state=5 timeout=4294967295 incoming=0>"
    s.close()
    u.close()


def test_module_attributes_of_the_package():
    assert mpsock.socket.__name__ == "socket"
    assert mpsock.errno.ETIMEDOUT == 110
    assert hasattr(mpsock.time, "ticks_ms")
