"""Opening the serial port a board answers on, with errors that say what went wrong and what
to do: the port is absent, busy (another process holds it), or not ours to open.

pyserial's serial_for_url takes a device path, a pty path, socket://HOST:PORT and
rfc2217://HOST:PORT alike. Device ports are opened exclusively (a lock that other pyserial
users, mpremote and OpenMV IDE honour), so two programs never talk to one board at once.
"""

import errno
import time

import serial

# A device port that does not exist yet is retried for this long by default (a board that
# is still enumerating after a reset or a replug).
OPEN_TIMEOUT = 3.0
# Between attempts to open an absent port.
OPEN_RETRY_INTERVAL = 0.1
# For the board to take bytes we write (USB flow control); past it the board is stuck.
WRITE_TIMEOUT = 5.0

_EXCLUSIVE_LOCK_FAILED = "exclusively lock"


class PortError(Exception):
    """The port could not be opened; the message names it and says what to do."""


def _is_url(port):
    return "://" in port


def _describe(port, error):
    number = getattr(error, "errno", None)
    text = str(error)
    if _EXCLUSIVE_LOCK_FAILED in text or number == errno.EBUSY:
        return (
            "serial port %s is busy: another process holds it (OpenMV IDE, mpremote, a serial "
            "terminal, another test run). Close that program, or find it with `fuser %s`, "
            "then try again." % (port, port)
        )
    if number in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return (
            "serial port %s not found: is the camera plugged in and is this its port? List the "
            "ports with `python -m serial.tools.list_ports`." % port
        )
    if number == errno.EACCES:
        return (
            "no permission to open serial port %s: add your user to the group that owns it "
            "(often `dialout`) and log in again." % port
        )
    if _is_url(port):
        return "could not connect to %s: %s. Is the server for that URL running?" % (port, text)
    return "could not open serial port %s: %s" % (port, text)


def _absent(error):
    return getattr(error, "errno", None) in (errno.ENOENT, errno.ENODEV, errno.ENXIO)


def open_serial_port(port, baudrate, open_timeout=OPEN_TIMEOUT, write_timeout=WRITE_TIMEOUT):
    """The open pyserial port, or PortError. An absent port is retried until open_timeout;
    a busy or forbidden one fails at once."""
    deadline = time.monotonic() + max(0.0, open_timeout)
    while True:
        try:
            return serial.serial_for_url(
                port, baudrate=baudrate, timeout=0, write_timeout=write_timeout, exclusive=True
            )
        except (serial.SerialException, OSError, ValueError) as error:
            if _absent(error) and time.monotonic() + OPEN_RETRY_INTERVAL < deadline:
                time.sleep(OPEN_RETRY_INTERVAL)
                continue
            raise PortError(_describe(port, error)) from error
