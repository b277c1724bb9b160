"""The board's LEDs for machine.LED and pyb.LED: no light here, but every change of state is
recorded in the trace (`mpsock run --trace`), so a test can see what the script signalled."""

from . import _mpsock


class LedState:
    """One LED: its name in the trace and whether it is lit."""

    def __init__(self, name):
        self.name = name
        self.lit = False
        self.intensity = 0

    def set(self, lit, intensity=None):
        lit = bool(lit)
        if intensity is None:
            intensity = 255 if lit else 0
        changed = lit != self.lit or intensity != self.intensity
        self.lit = lit
        self.intensity = intensity
        if changed:
            _mpsock.trace_board_event("led", {"led": self.name, "on": lit, "intensity": intensity})


class Board:
    """The LEDs of one run, by name, shared by machine.LED and pyb.LED."""

    def __init__(self):
        self._leds = {}

    def led(self, name):
        state = self._leds.get(name)
        if state is None:
            state = self._leds[name] = LedState(name)
        return state


class Led:
    """What machine.LED and pyb.LED have in common: on(), off() and toggle() on one LED's
    state (`_state`, set by the subclass's constructor)."""

    _state = None

    def on(self):
        self._state.set(True)

    def off(self):
        self._state.set(False)

    def toggle(self):
        self._state.set(not self._state.lit)
