"""The time module a camera script sees: CPython's time plus MicroPython's ticks functions and
millisecond/microsecond sleeps. Sleeps let the emulated network run, as they do on the camera."""

import time as _host_time
import types

from . import _mpsock

# MicroPython's ticks wrap at 2**30 on 32-bit ports (MICROPY_PY_TIME_TICKS_PERIOD).
TICKS_PERIOD = 1 << 30
_TICKS_MAX = TICKS_PERIOD - 1
_TICKS_HALF = TICKS_PERIOD // 2
_epoch_ns = _host_time.monotonic_ns()


def _ticks(divisor):
    return ((_host_time.monotonic_ns() - _epoch_ns) // divisor) & _TICKS_MAX


def ticks_ms():
    return _ticks(1_000_000)


def ticks_us():
    return _ticks(1_000)


def ticks_cpu():
    return _ticks(1)


def _require_int(value, what):
    if not isinstance(value, int):
        raise TypeError("can't convert %s to int" % type(value).__name__)
    return value


def ticks_diff(end, start):
    """Signed difference end - start, correct across one wrap of the counter."""
    end = _require_int(end, "end")
    start = _require_int(start, "start")
    return ((end - start + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF


def ticks_add(ticks, delta):
    ticks = _require_int(ticks, "ticks")
    delta = _require_int(delta, "delta")
    if not -_TICKS_HALF <= delta < _TICKS_HALF:
        raise OverflowError("ticks interval overflow")
    return (ticks + delta) & _TICKS_MAX


def _sleep_ms(ms):
    if ms < 0:
        raise ValueError("sleep length must be non-negative")
    whole = int(ms)
    if whole:
        _mpsock.sleep_ms(whole)
    rest = ms - whole
    if rest > 0:
        _host_time.sleep(rest / 1000.0)


def sleep(seconds):
    _sleep_ms(seconds * 1000.0)


def sleep_ms(ms):
    _sleep_ms(_require_int(ms, "ms"))


def sleep_us(us):
    _sleep_ms(_require_int(us, "us") / 1000.0)


class clock:
    """OpenMV's time.clock(): tick() marks the start of a frame; fps() and avg() count one
    frame ending now and give frames per second and milliseconds per frame, averaged over about
    two seconds (then they start over), in ticks_ms as on the camera."""

    def __init__(self):
        self.reset()

    def reset(self):
        self._start = ticks_ms()
        self._ticks = 0
        self._frames = 0

    def tick(self):
        self._start = ticks_ms()

    def _frame_done(self):
        self._frames += 1
        self._ticks += ticks_diff(ticks_ms(), self._start)

    def fps(self):
        self._frame_done()
        fps = 1000.0 * self._frames / self._ticks if self._ticks else float("inf")
        if self._ticks >= 2000:
            self._ticks = 0
            self._frames = 0
        return fps

    def avg(self):
        self._frame_done()
        return self._ticks / self._frames

    def __repr__(self):
        return "<clock>"


def make_module(name="time"):
    module = types.ModuleType(name)
    for key in dir(_host_time):
        if not key.startswith("__"):
            setattr(module, key, getattr(_host_time, key))
    for function in (ticks_ms, ticks_us, ticks_cpu, ticks_diff, ticks_add, sleep, sleep_ms, sleep_us, clock):
        setattr(module, function.__name__, function)
    return module
