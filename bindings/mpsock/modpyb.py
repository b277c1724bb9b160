"""The pyb module of older OpenMV cameras, as far as network scripts use it: pyb.LED, whose
state goes to the trace (leds.py), shared with machine.LED."""

import types

from . import leds

# pyb.LED(n): OpenMV's numbering.
LED_NAMES = {1: "LED_RED", 2: "LED_GREEN", 3: "LED_BLUE", 4: "LED_IR"}


def make_module(board, name="pyb"):
    """pyb for one run; `board` is the run's BoardModules, whose LEDs machine.LED lights too."""
    lights = board.shared("leds")
    module = types.ModuleType(name)

    class LED(leds.Led):
        """pyb.LED(n), n = 1 (red), 2 (green), 3 (blue), 4 (IR): on(), off(), toggle(), intensity([v])."""

        def __init__(self, id):
            if id not in LED_NAMES:
                raise ValueError("LED(%s) doesn't exist" % (id,))
            self._id = id
            self._state = lights.led(LED_NAMES[id])

        def intensity(self, value=None):
            if value is None:
                return self._state.intensity
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("can't convert %s to int" % type(value).__name__)
            value = max(0, min(255, value))
            self._state.set(value > 0, value)
            return None

        def __repr__(self):
            return "LED(%d)" % self._id

    module.LED = LED
    return module
