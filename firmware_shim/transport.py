"""Driving a MicroPython board's raw REPL from the host: the `Transport` interface the
conformance suite uses, and `SerialTransport`, which speaks it over a pyserial port (a USB
device, a pty such as the virtual camera's, socket://HOST:PORT or rfc2217://HOST:PORT).

A case is one program run on the board:

    transport.enter_raw_repl()              # Ctrl-C, Ctrl-A; Ctrl-D soft reset for a clean board
    transport.start(code)                   # raw-paste mode, or plain raw mode on older boards
    line = transport.readline(timeout)      # streamed output, one line at a time
    transport.write(b"input\\n")             # the program's sys.stdin
    stdout, errors = transport.finish(timeout)

The protocol is described in repl_protocol.py. Output is returned as the program printed it:
the board's \\r\\n for each \\n is undone.

Every wait has a named timeout (seconds):

    OPEN_TIMEOUT        3   an absent device port is retried this long (serial_port.py)
    WRITE_TIMEOUT       5   for the board to take bytes we send (serial_port.py)
    RESPONSE_TIMEOUT    5   for the board to answer a REPL control sequence: the raw REPL
                            banner, "OK", the raw-paste answer, a flow-control window, the
                            acknowledgement of the end of the code
    ENTER_RETRY_INTERVAL 1  Ctrl-C and Ctrl-A are sent again after this long without the raw
                            REPL banner (a program may still have been stopping)
    SOFT_RESET_TIMEOUT  10  for the board to come back after a soft reset (boot.py runs and
                            the network stack is set up again)
    INTERRUPT_TIMEOUT   2   per Ctrl-C, for the running program to stop (INTERRUPT_ATTEMPTS
                            of them before giving up)
    DRAIN_QUIET         0.1 stale input is read and dropped until the port is quiet this long,
    DRAIN_LIMIT         1   but no longer than this in all
    READ_SLICE          0.05 a read waits at most this long before the deadline is checked
    RAW_CHUNK_PAUSE     0.01 between 256-byte chunks in plain raw mode (the board's input buffer)

and the per-case timeouts are the caller's: readline(timeout), finish(timeout), exec(code,
timeout).
"""

import struct
import time

import serial

from . import repl_protocol as rp
from .serial_port import OPEN_TIMEOUT, PortError, open_serial_port

RESPONSE_TIMEOUT = 5.0
ENTER_RETRY_INTERVAL = 1.0
SOFT_RESET_TIMEOUT = 10.0
INTERRUPT_TIMEOUT = 2.0
INTERRUPT_ATTEMPTS = 3
DRAIN_QUIET = 0.1
DRAIN_LIMIT = 1.0
READ_SLICE = 0.05
RAW_CHUNK = 256
RAW_CHUNK_PAUSE = 0.01

# A soft reboot announces itself with this tail (ports differ in the prefix).
_SOFT_REBOOT_TAIL = b"soft reboot\r\n"
_BANNER_LOOKBACK = 200


class TransportError(Exception):
    """The port is absent, busy or silent, or the board broke the protocol."""


class CaseTimeout(TransportError):
    """The running program did not finish in time. It was interrupted with Ctrl-C and the
    board is back at the raw REPL. `stdout` and `stderr` hold what the program printed,
    the traceback of the interruption included (it shows where the program was stuck)."""

    def __init__(self, message, stdout=b"", stderr=b""):
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr


class BoardReset(TransportError):
    """The board rebooted (or its port went away) while a program ran."""


class Transport:
    """A connection to a MicroPython board's REPL (mpremote's layering: this states the
    operations, a subclass implements them over one kind of link)."""

    def enter_raw_repl(self, soft_reset=True):
        raise NotImplementedError

    def exit_raw_repl(self):
        raise NotImplementedError

    def start(self, code):
        raise NotImplementedError

    def readline(self, timeout):
        raise NotImplementedError

    def write(self, data):
        raise NotImplementedError

    def finish(self, timeout):
        raise NotImplementedError

    def interrupt(self):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError

    def exec(self, code, timeout):
        """Runs `code` to its end: (stdout, error output)."""
        self.start(code)
        return self.finish(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Case:
    """What one running program has printed so far, split at the board's end markers."""

    def __init__(self):
        self.stdout = bytearray()
        self.stdout_done = False
        self.stderr = bytearray()
        self.stderr_done = False


class SerialTransport(Transport):
    """The raw REPL over a pyserial port."""

    def __init__(
        self,
        port,
        baudrate=115200,
        open_timeout=OPEN_TIMEOUT,
        response_timeout=RESPONSE_TIMEOUT,
        soft_reset_timeout=SOFT_RESET_TIMEOUT,
    ):
        self.port = port
        self.response_timeout = response_timeout
        self.soft_reset_timeout = soft_reset_timeout
        try:
            self.serial = open_serial_port(port, baudrate, open_timeout)
        except PortError as error:
            raise TransportError(str(error)) from None
        self.serial.timeout = READ_SLICE
        self.in_raw_repl = False
        self.use_raw_paste = True
        self._received = bytearray()  # read from the port, not yet consumed
        self._case = None

    # -- the port -----------------------------------------------------------------------

    def _lost(self, error):
        self.in_raw_repl = False
        if self._case is not None:
            self._case = None
            return BoardReset(
                "serial port %s went away while a program ran (%s): the board reset or was "
                "unplugged. Reconnect and enter the raw REPL again." % (self.port, error)
            )
        return TransportError("serial port %s went away (%s): reconnect the board." % (self.port, error))

    def _send(self, data):
        try:
            self.serial.write(data)
        except serial.SerialTimeoutException:
            raise TransportError(
                "the board on %s did not take our bytes: its input is stuck. Reset it." % self.port
            ) from None
        except (serial.SerialException, OSError) as error:
            raise self._lost(error) from None

    def _receive(self, deadline):
        """Reads what arrives within READ_SLICE (or until the deadline); False if nothing."""
        if time.monotonic() >= deadline:
            return False
        try:
            data = self.serial.read(1)
            if data:
                waiting = self.serial.in_waiting
                if waiting:
                    data += self.serial.read(waiting)
        except (serial.SerialException, OSError) as error:
            raise self._lost(error) from None
        self._received += data
        return bool(data)

    def _waiting(self):
        try:
            return self.serial.in_waiting
        except (serial.SerialException, OSError) as error:
            raise self._lost(error) from None

    def _silent(self, waiting_for, timeout):
        seen = bytes(self._received[-80:])
        if seen:
            return TransportError(
                "the board on %s did not send %s within %gs; it sent %r. Is MicroPython's REPL on "
                "this port? Reset the board and try again." % (self.port, waiting_for, timeout, seen)
            )
        return TransportError(
            "no response from %s within %gs (waiting for %s): the board is not running MicroPython's "
            "REPL, or a program on it ignores Ctrl-C. Press its reset button or replug it, then try "
            "again." % (self.port, timeout, waiting_for)
        )

    def _take(self, end):
        data = bytes(self._received[:end])
        del self._received[:end]
        return data

    def _read_until(self, marker, timeout, waiting_for):
        deadline = time.monotonic() + timeout
        while True:
            index = self._received.find(marker)
            if index >= 0:
                return self._take(index + len(marker))
            if not self._receive(deadline) and time.monotonic() >= deadline:
                raise self._silent(waiting_for, timeout)

    def _read_exactly(self, count, timeout, waiting_for):
        deadline = time.monotonic() + timeout
        while len(self._received) < count:
            if not self._receive(deadline) and time.monotonic() >= deadline:
                raise self._silent(waiting_for, timeout)
        return self._take(count)

    def _drain(self):
        """Drops stale input: whatever the board printed before we took over."""
        limit = time.monotonic() + DRAIN_LIMIT
        quiet_since = time.monotonic()
        while time.monotonic() < limit and time.monotonic() - quiet_since < DRAIN_QUIET:
            if self._receive(min(limit, quiet_since + DRAIN_QUIET)):
                quiet_since = time.monotonic()
        self._received.clear()

    # -- the REPL -----------------------------------------------------------------------

    def enter_raw_repl(self, soft_reset=True):
        """Stops whatever runs, enters the raw REPL and, with soft_reset, gives the program to
        come a fresh board (its variables and sockets gone)."""
        self._case = None
        self.in_raw_repl = False
        self._send(b"\r" + rp.CTRL_C + rp.CTRL_C)
        self._drain()
        ready = rp.RAW_REPL_BANNER + rp.RAW_PROMPT
        deadline = time.monotonic() + self.response_timeout
        while True:
            self._send(b"\r" + rp.CTRL_A)
            retry_at = min(deadline, time.monotonic() + ENTER_RETRY_INTERVAL)
            while ready not in self._received:
                if not self._receive(retry_at) and time.monotonic() >= retry_at:
                    break
            if ready in self._received:
                break
            if time.monotonic() >= deadline:
                raise self._silent("the raw REPL banner", self.response_timeout)
            self._send(rp.CTRL_C)  # a program may still have been stopping: the Ctrl-A went to it
        self._read_until(ready, 0, "the raw REPL banner")
        if soft_reset:
            self._send(rp.CTRL_D)
            self._read_until(_SOFT_REBOOT_TAIL, self.soft_reset_timeout, "the soft reboot line")
            self._read_until(ready, self.soft_reset_timeout, "the raw REPL banner after the soft reboot")
        self.in_raw_repl = True

    def exit_raw_repl(self):
        self._case = None
        self._send(b"\r" + rp.CTRL_B)
        self.in_raw_repl = False

    def start(self, code):
        if self._case is not None:
            raise TransportError(
                "a program is still running on %s: finish() or interrupt() it first" % self.port
            )
        data = code.encode() if isinstance(code, str) else bytes(code)
        if rp.CTRL_C in data or rp.CTRL_D in data:
            raise ValueError("code cannot contain Ctrl-C or Ctrl-D bytes: the raw REPL reserves them")
        if not self.in_raw_repl:
            self.enter_raw_repl(soft_reset=False)
        self._received.clear()  # a previous program's background output is not this case's
        if not (self.use_raw_paste and self._send_raw_paste(data)):
            self._send_raw(data)
        self._case = _Case()

    def _send_raw_paste(self, data):
        """Sends the code in raw-paste mode; False if the board does not have it."""
        self._send(rp.RAW_PASTE_REQUEST)
        answer = self._read_exactly(2, self.response_timeout, "the answer to the raw-paste request")
        if answer == rp.RAW_PASTE_ACCEPTED:
            header = self._read_exactly(2, self.response_timeout, "the raw-paste window size")
            self._paste(data, struct.unpack("<H", header)[0])
            return True
        self.use_raw_paste = False
        if answer == rp.RAW_PASTE_REFUSED:
            self._read_until(rp.RAW_PROMPT, self.response_timeout, "the raw REPL prompt")
        else:
            # An older board took the request as code and Ctrl-A as "restart the raw REPL".
            self._received[:0] = answer
            self._read_until(rp.RAW_REPL_BANNER + rp.RAW_PROMPT, self.response_timeout, "the raw REPL banner")
        return False

    def _paste(self, data, window):
        credit = window
        sent = 0
        while sent < len(data):
            deadline = time.monotonic() + self.response_timeout
            while True:
                for byte in self._take(len(self._received)):
                    if byte == rp.RAW_PASTE_WINDOW_FREE[0]:
                        credit += window
                    elif byte == rp.CTRL_D[0]:
                        # The board stopped reading (a syntax error): it reports it as output.
                        self._send(rp.CTRL_D)
                        return
                    else:
                        raise TransportError(
                            "unexpected byte %r from %s during raw paste" % (bytes([byte]), self.port)
                        )
                if credit > 0 and not self._waiting():
                    break
                if not self._receive(deadline) and time.monotonic() >= deadline:
                    raise self._silent("a raw-paste flow-control window", self.response_timeout)
            chunk = data[sent : sent + credit]
            self._send(chunk)
            sent += len(chunk)
            credit -= len(chunk)
        self._send(rp.CTRL_D)
        self._read_until(rp.CTRL_D, self.response_timeout, "the end of the raw-paste code to be acknowledged")

    def _send_raw(self, data):
        for offset in range(0, len(data), RAW_CHUNK):
            self._send(data[offset : offset + RAW_CHUNK])
            time.sleep(RAW_CHUNK_PAUSE)
        self._send(rp.CTRL_D)
        answer = self._read_exactly(2, self.response_timeout, "OK for the code")
        if answer != rp.COMMAND_ACCEPTED:
            raise TransportError(
                "the board on %s did not accept the code (answered %r)" % (self.port, answer)
            )

    # -- the running program ------------------------------------------------------------

    def _require_case(self):
        if self._case is None:
            raise TransportError("no program is running on %s: start() one first" % self.port)
        return self._case

    def _sort_output(self):
        """Moves received bytes into the case's stdout and error output, split at the end
        markers, and raises BoardReset when the board's boot banner shows up instead."""
        case = self._case
        for part in ("stdout", "stderr"):
            if getattr(case, part + "_done"):
                continue
            buffer = getattr(case, part)
            checked = max(0, len(buffer) - _BANNER_LOOKBACK)
            index = self._received.find(rp.END_OF_OUTPUT)
            buffer += self._take(len(self._received) if index < 0 else index)
            if rp.BOOT_BANNER.search(buffer, checked):
                self._case = None
                self.in_raw_repl = False
                raise BoardReset(
                    "the board on %s rebooted while the program ran (its boot banner appeared). "
                    "Enter the raw REPL again to go on." % self.port
                )
            if index < 0:
                return
            self._take(1)
            setattr(case, part + "_done", True)

    def readline(self, timeout):
        """The next line the program printed (with its \\n); the last, unterminated, piece at
        the end of its output; b"" once its output is complete; None on timeout."""
        case = self._require_case()
        deadline = time.monotonic() + timeout
        while True:
            self._sort_output()
            index = case.stdout.find(b"\n")
            if index >= 0:
                line = bytes(case.stdout[: index + 1])
                del case.stdout[: index + 1]
                return rp.uncook(line)
            if case.stdout_done:
                rest = rp.uncook(case.stdout)
                case.stdout.clear()
                return rest
            if not self._receive(deadline) and time.monotonic() >= deadline:
                return None

    def write(self, data):
        """Bytes for the program's sys.stdin."""
        self._require_case()
        if rp.CTRL_C in data:
            raise ValueError("Ctrl-C would interrupt the program; use interrupt()")
        self._send(bytes(data))

    def finish(self, timeout):
        """(rest of stdout, error output) once the program ends; CaseTimeout if it does not
        within `timeout` seconds, after interrupting it."""
        case = self._require_case()
        deadline = time.monotonic() + timeout
        while True:
            self._sort_output()
            if case.stderr_done:
                break
            if not self._receive(deadline) and time.monotonic() >= deadline:
                stdout, stderr = self.interrupt()
                raise CaseTimeout(
                    "the program on %s did not finish within %gs; it was interrupted with Ctrl-C and "
                    "the board is back at the raw REPL" % (self.port, timeout),
                    stdout,
                    stderr,
                )
        self._case = None
        # A program that called sys.exit() makes the board soft-reboot before the prompt.
        self._read_until(rp.RAW_PROMPT, self.soft_reset_timeout, "the raw REPL prompt after the program")
        return rp.uncook(case.stdout), rp.uncook(case.stderr)

    def interrupt(self):
        """Ctrl-C, and back to the raw REPL prompt. Returns what the interrupted program
        printed that was not yet read: (stdout, error output)."""
        case = self._case
        if case is None:
            self.enter_raw_repl(soft_reset=False)
            return b"", b""
        for _ in range(INTERRUPT_ATTEMPTS):
            self._send(rp.CTRL_C)
            deadline = time.monotonic() + INTERRUPT_TIMEOUT
            while not case.stderr_done:
                self._sort_output()
                if case.stderr_done or not self._receive(deadline) and time.monotonic() >= deadline:
                    break
            if case.stderr_done:
                self._case = None
                self._read_until(rp.RAW_PROMPT, self.soft_reset_timeout, "the raw REPL prompt after Ctrl-C")
                return rp.uncook(case.stdout), rp.uncook(case.stderr)
        self._case = None
        try:
            self.enter_raw_repl(soft_reset=False)
        except TransportError:
            raise TransportError(
                "the program on %s did not stop after %d Ctrl-C: it ignores KeyboardInterrupt. "
                "Reset the board." % (self.port, INTERRUPT_ATTEMPTS)
            ) from None
        return rp.uncook(case.stdout), rp.uncook(case.stderr)

    def close(self):
        self._case = None
        try:
            self.serial.close()
        except (serial.SerialException, OSError):
            pass
