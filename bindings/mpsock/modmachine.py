"""The machine module a camera script sees: the board's unique_id, reset (which ends the run:
the camera would reboot), reset_cause, freq, idle and the interrupt switches. The hardware
classes (Pin, I2C, UART, LED, ...) come from `HARDWARE`, a table other stand-ins add to; a class
without a stand-in fails with a message that names it. machine.LED is here: its state goes to the
trace (leds.py), shared with pyb.LED."""

import hashlib
import socket as _host_socket
import time as _host_time
import types

from . import leds

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

# name -> maker(board) giving the class or object (e.g. "LED").
HARDWARE = {}

LED_NAMES = ("LED_RED", "LED_GREEN", "LED_BLUE", "LED_IR")


def _led_class(board):
    """machine.LED("LED_RED"): on(), off(), toggle(), value([v]), on the run's LEDs."""
    lights = board.shared("leds")

    class LED(leds.Led):
        def __init__(self, id):
            if id not in LED_NAMES:
                raise ValueError("invalid LED %r (the board has %s)" % (id, ", ".join(LED_NAMES)))
            self._state = lights.led(id)

        def value(self, value=None):
            if value is None:
                return 1 if self._state.lit else 0
            self._state.set(bool(value))
            return None

        def __repr__(self):
            return "LED(%s)" % self._state.name

    return LED


HARDWARE["LED"] = _led_class

KNOWN_HARDWARE = frozenset(
    "Pin Signal ADC ADCBlock PWM UART SPI SoftSPI I2C SoftI2C I2S RTC Timer WDT SD SDCard LED".split()
)


class BoardReset(BaseException):
    """machine.reset() and friends: the camera reboots, so the script's run ends here. A
    BaseException, so `except Exception` in the script does not catch it (nothing does on the
    board)."""

    def __init__(self, how):
        super().__init__(how)
        self.how = how


def _machine_identity():
    try:
        with open("/etc/machine-id", "rb") as handle:
            return handle.read().strip()
    except OSError:
        return _host_socket.gethostname().encode()


def unique_id_for(profile):
    """The same bytes on every run on this host, different per board profile."""
    digest = hashlib.sha256(_machine_identity() + b"/" + profile["name"].encode()).digest()
    return digest[: profile["unique_id_size"]]


def _ends_the_run(how):
    def call(*args):
        raise BoardReset(how)

    call.__name__ = how
    return call


def make_module(board):
    profile = board.profile
    module = types.ModuleType("machine")
    identity = unique_id_for(profile)
    module.unique_id = lambda: identity
    for how in ("reset", "soft_reset", "deepsleep", "bootloader"):
        setattr(module, how, _ends_the_run(how))
    module.reset_cause = lambda: PWRON_RESET
    module.freq = lambda *args: profile["cpu_hz"] if not args else None
    module.idle = lambda: _host_time.sleep(0.001)
    module.lightsleep = lambda ms=None: _host_time.sleep((ms or 0) / 1000.0)
    module.disable_irq = lambda: 0
    module.enable_irq = lambda state=0: None
    for name in ("PWRON_RESET", "HARD_RESET", "WDT_RESET", "DEEPSLEEP_RESET", "SOFT_RESET"):
        setattr(module, name, globals()[name])
    for name, maker in HARDWARE.items():
        setattr(module, name, maker(board))

    def __getattr__(name):
        if name in KNOWN_HARDWARE:
            raise AttributeError(
                "mpsock: machine.%s is camera hardware that mpsock does not emulate; run this part on "
                "the camera, or put a stand-in machine.py beside the script" % name
            )
        raise AttributeError("'module' object has no attribute '%s'" % name)

    module.__getattr__ = __getattr__
    return module
