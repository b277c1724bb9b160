"""Ctrl-C for blocked calls: Python's signal wake-up fd lets a call blocked in the emulator
notice a signal at once, even one that arrived just before it went to sleep."""

import os
import signal
import threading

from . import _mpsock

_installed = False


def install():
    """Route signals into blocked emulator calls. Only the main thread can, and only when no
    one else owns the wake-up fd; without it a blocked call still wakes on EINTR."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    os.set_blocking(write_fd, False)
    try:
        previous = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    except ValueError:
        os.close(read_fd)
        os.close(write_fd)
        return
    if previous != -1:
        signal.set_wakeup_fd(previous)
        os.close(read_fd)
        os.close(write_fd)
        return
    _mpsock.install_interrupts(read_fd, threading.main_thread().ident)
    _installed = True
