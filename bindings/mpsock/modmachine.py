"""The machine module a camera script sees. Here: machine.LED, whose state goes to the trace
(leds.py). (The board's identity and reset belong here too.)"""

import types

LED_NAMES = ("LED_RED", "LED_GREEN", "LED_BLUE", "LED_IR")


def make_module(board, name="machine"):
    """The machine module of one run; `board` (leds.Board) holds the LEDs' state."""
    module = types.ModuleType(name)

    class LED:
        """machine.LED("LED_RED"): on(), off(), toggle(), value([v])."""

        def __init__(self, id):
            if id not in LED_NAMES:
                raise ValueError("invalid LED %r (the board has %s)" % (id, ", ".join(LED_NAMES)))
            self._state = board.led(id)

        def on(self):
            self._state.set(True)

        def off(self):
            self._state.set(False)

        def toggle(self):
            self._state.set(not self._state.lit)

        def value(self, value=None):
            if value is None:
                return 1 if self._state.lit else 0
            self._state.set(bool(value))
            return None

        def __repr__(self):
            return "LED(%s)" % self._state.name

    module.LED = LED
    return module
