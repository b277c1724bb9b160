"""The conformance suite: one set of cases that runs, unmodified, on the emulator, on any
MicroPython-compatible interpreter and on a real camera, and names every difference."""
