"""The time module a camera script sees: MicroPython's (ticks, millisecond and microsecond
sleeps, time() as an int of seconds since the board's epoch, gmtime/localtime as 8-tuples) and
OpenMV's time.clock(). Sleeps let the emulated network run, as they do on the camera. The clock
is the host's, as on a camera whose RTC was set (by ntptime, say)."""

import calendar
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


class BoardClock:
    """Seconds since the board's epoch (1970 or 2000, MICROPY_EPOCH_IS_1970), and the 8-tuples
    MicroPython converts them to and from: (year, month, mday, hour, minute, second, weekday,
    yearday)."""

    def __init__(self, epoch_year):
        self.offset = calendar.timegm((epoch_year, 1, 1, 0, 0, 0, 0, 1, 0))

    def time(self):
        return int(_host_time.time()) - self.offset

    def time_ns(self):
        return _host_time.time_ns() - self.offset * 1_000_000_000

    def _tuple(self, convert, secs):
        if secs is None:
            secs = self.time()
        t = convert(int(secs) + self.offset)
        return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, t.tm_wday, t.tm_yday)

    def gmtime(self, secs=None):
        return self._tuple(_host_time.gmtime, secs)

    def localtime(self, secs=None):
        # The camera has no time zone: its localtime is its gmtime.
        return self._tuple(_host_time.gmtime, secs)

    def mktime(self, t):
        if len(t) not in (8, 9):
            raise TypeError("mktime needs a tuple of length 8 or 9 (%d given)" % len(t))
        year, month, mday, hour, minute, second = (int(v) for v in t[:6])
        return calendar.timegm((year, month, mday, hour, minute, second, 0, 1, 0)) - self.offset


class clock:
    """OpenMV's time.clock(): tick() marks the start of a frame; fps() and avg() end it and give
    the frame rate and the average milliseconds per frame over the frames since the window
    started (the window starts again after two seconds of frames)."""

    WINDOW_MS = 2000

    def __init__(self):
        self.reset()

    def reset(self):
        self._start = ticks_ms()
        self._total_ms = 0
        self._frames = 0

    def tick(self):
        self._start = ticks_ms()

    def _end_frame(self):
        self._frames += 1
        self._total_ms += ticks_diff(ticks_ms(), self._start)
        total, frames = self._total_ms, self._frames
        if total >= self.WINDOW_MS:
            self._total_ms = 0
            self._frames = 0
        return total, frames

    def fps(self):
        total, frames = self._end_frame()
        return 1000.0 * frames / total if total else float("inf")

    def avg(self):
        total, frames = self._end_frame()
        return total / frames

    def __repr__(self):
        return "t_start:%d, t_ticks:%d, t_frame:%d" % (self._start, self._total_ms, self._frames)


BOARD_FUNCTIONS = (ticks_ms, ticks_us, ticks_cpu, ticks_diff, ticks_add, sleep, sleep_ms, sleep_us)


def make_module(board=None, name="time"):
    """The board's time module. Without a board (or for the desktop profile), CPython's time
    functions beyond the board's are there too."""
    profile = board.profile if board is not None else None
    module = types.ModuleType(name)
    if profile is None or profile["host_modules"]:
        for key in dir(_host_time):
            if not key.startswith("__"):
                setattr(module, key, getattr(_host_time, key))
    for function in BOARD_FUNCTIONS:
        setattr(module, function.__name__, function)
    board_clock = BoardClock(profile["epoch_year"] if profile else 1970)
    for key in ("time", "time_ns", "gmtime", "localtime", "mktime"):
        setattr(module, key, getattr(board_clock, key))
    module.clock = clock
    return module
