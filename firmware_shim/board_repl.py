"""The firmware's REPL as the virtual camera runs it — friendly REPL, raw REPL, raw-paste
mode — driven by the bytes the host sends, one at a time, like the event-driven form of
MicroPython's shared/runtime/pyexec.c (and shared/readline for the friendly line editor).
Programs run in an InterpreterProcess; a soft reset replaces it with a fresh one.

Every boot runs boot.py from the flash before the REPL, and main.py at power-on and hard reset
(and, on boards whose profile says so, at a soft reset into the friendly REPL), as the ports'
main.c do. Bytes a program leaves unread are the REPL's when it ends, as in the board's stdin
buffer (so a host's Ctrl-C and Ctrl-A sent to a board busy in main.py reach the REPL).
"""

import codeop
import struct

from . import repl_protocol as rp

FRIENDLY = "friendly"
RAW = "raw"

_CTRL_A, _CTRL_B, _CTRL_C, _CTRL_D, _CTRL_E = 1, 2, 3, 4, 5
_ESCAPE = 0x1B
_BACKSPACES = (0x08, 0x7F)
# What the firmware prints when Ctrl-C ends a raw paste (the reader raises the board's
# KeyboardInterrupt object, which has no traceback).
_RAW_PASTE_INTERRUPTED = rp.END_OF_OUTPUT * 2 + b"KeyboardInterrupt: \r\n" + rp.END_OF_OUTPUT + rp.RAW_PROMPT


def _needs_more_lines(lines):
    """Whether a friendly-REPL statement continues (mp_repl_continue_with_input): an open
    compound statement or bracket waits for more lines, up to an empty one."""
    try:
        return codeop.compile_command("\n".join(lines), "<stdin>", "single") is None
    except (SyntaxError, ValueError, OverflowError):
        return False  # complete, if wrong: running it reports the error


class BoardRepl:
    """The REPL state machine. `console(bytes)` sends to the host; `start_interpreter()`
    boots a fresh InterpreterProcess."""

    def __init__(
        self, console, start_interpreter, banner, raw_paste=True, boot_files=None, main_at_soft_reset=False
    ):
        """`boot_files(names)`: which of the names the flash holds (boot.py, main.py)."""
        self.console = console
        self.start_interpreter = start_interpreter
        self.banner = banner
        self.raw_paste = raw_paste
        self.boot_files = boot_files or (lambda names: [])
        self.main_at_soft_reset = main_at_soft_reset
        self.interpreter = None
        self.mode = FRIENDLY
        self.running = None  # how the running program was started ("raw", "single", "paste", "boot")
        self.program_started = False  # the interpreter said it runs (Ctrl-C can reach it)
        self.interrupt_requested = False  # Ctrl-C came before that
        self.interrupt_char = _CTRL_C  # micropython.kbd_intr's (None: nothing interrupts)
        self._reset_input()

    def _reset_input(self):
        self.line = bytearray()  # the raw command, or the friendly line being edited
        self.statement_lines = []  # friendly: the lines of an unfinished statement
        self.paste = None  # friendly paste mode (Ctrl-E): the block so far
        self.raw_paste_code = None  # raw-paste mode: the code so far
        self.raw_paste_window_left = 0
        self.escape_sequence = None  # friendly: a terminal escape sequence being skipped
        self.after_cr = False

    # -- boots and resets ---------------------------------------------------------------

    def _restart_interpreter(self):
        self.shutdown()
        self.interpreter = self.start_interpreter()

    def boot(self):
        """Power-on or hard reset: a fresh interpreter, boot.py and main.py, the banner, the
        friendly REPL."""
        self._restart_interpreter()
        self.mode = FRIENDLY
        self._reset_input()
        self._run_boot_files(run_main=True)

    def soft_reset(self):
        """Ctrl-D at an empty prompt, or a program's SystemExit: the firmware's main loop
        reboots the interpreter, runs boot.py (and main.py where the board does) and returns to
        the REPL it was in."""
        self.console(rp.SOFT_REBOOT_LINE)
        self._restart_interpreter()
        self._reset_input()
        self._run_boot_files(run_main=self.main_at_soft_reset and self.mode == FRIENDLY)

    def _run_boot_files(self, run_main):
        names = ["boot.py", "main.py"] if run_main else ["boot.py"]
        if self.boot_files(names):
            self._start("boot", lambda: self.interpreter.boot(run_main))
        else:
            self._enter_repl()

    def _enter_repl(self):
        if self.mode == RAW:
            self.console(rp.RAW_REPL_BANNER + rp.RAW_PROMPT)
        else:
            self.console(self.banner + rp.FRIENDLY_PROMPT)

    def shutdown(self):
        self.running = None
        if self.interpreter is not None:
            self.interpreter.kill()
            self.interpreter = None

    # -- the interpreter ----------------------------------------------------------------

    def _run(self, source, how):
        self._start(how, lambda: self.interpreter.run(source, how))

    def _start(self, how, send):
        if self.interpreter is None:  # it failed to boot before: try again
            self.interpreter = self.start_interpreter()
        self.running = how
        self.program_started = False
        self.interrupt_requested = False
        self.interrupt_char = _CTRL_C  # pyexec sets it for every program it runs
        send()

    def _interrupt(self):
        # Before the interpreter says the program started, a SIGINT could find it still
        # between programs, where it is ignored: hold the Ctrl-C until then.
        if self.program_started:
            self.interpreter.interrupt()
        else:
            self.interrupt_requested = True

    def interpreter_message(self, message):
        if message[0] == "started":
            self.program_started = True
            if self.interrupt_requested:
                self.interpreter.interrupt()
            return
        if message[0] == "kbd_intr":
            self.interrupt_char = message[1] if 0 <= message[1] <= 255 else None
            return
        if message[0] != "done":
            return
        how, self.running = self.running, None
        unread = self.interpreter.unread_stdin() if self.interpreter is not None else b""
        held_interrupt = self.interrupt_requested and not self.program_started
        if message[1] == "reset":
            self.boot()
        elif message[1] == "exit" and how != "boot":
            self.soft_reset()
        elif how == "boot":
            self._enter_repl()
        elif how == "raw":
            self.console(rp.RAW_PROMPT)
        else:
            self.console(rp.FRIENDLY_PROMPT)
        if held_interrupt:
            # A Ctrl-C that came before anything ran reaches the REPL, as on the board.
            unread = rp.CTRL_C + unread
        if unread:
            self.feed(unread)

    def interpreter_lost(self):
        """The interpreter died under a program: the board crashed and boots again."""
        self.boot()

    # -- bytes from the host ------------------------------------------------------------

    def feed(self, data):
        stdin = bytearray()
        for byte in data:
            if self.running is not None:
                if byte == self.interrupt_char:
                    self._send_stdin(stdin)
                    self._interrupt()
                else:
                    stdin.append(byte)
            elif self.raw_paste_code is not None:
                self._raw_paste_byte(byte)
            elif self.mode == RAW:
                self._raw_byte(byte)
            else:
                self._friendly_byte(byte)
        self._send_stdin(stdin)

    def _send_stdin(self, stdin):
        if stdin:
            self.interpreter.feed_stdin(bytes(stdin))
            stdin.clear()

    def _raw_byte(self, byte):
        if byte == _CTRL_A:
            if self.raw_paste and len(self.line) == 2 and self.line[0] == _CTRL_E:
                self._start_raw_paste(self.line[1])
            else:
                self.console(rp.RAW_REPL_BANNER + rp.RAW_PROMPT)
            self.line.clear()
        elif byte == _CTRL_B:
            self.line.clear()
            self.mode = FRIENDLY
            self.console(b"\r\n" + self.banner + rp.FRIENDLY_PROMPT)
        elif byte == _CTRL_C:
            self.line.clear()
        elif byte == _CTRL_D:
            self.console(rp.COMMAND_ACCEPTED)
            code = bytes(self.line)
            self.line.clear()
            if code:
                self._run(code, "raw")
            else:
                self.console(b"\r\n")
                self.soft_reset()
        else:
            self.line.append(byte)

    def _start_raw_paste(self, command):
        if command != ord("A"):
            self.console(rp.RAW_PASTE_REFUSED + rp.RAW_PROMPT)
            return
        window = rp.RAW_PASTE_WINDOW
        # The window size says one window is free, the \x01 after it a second one.
        self.console(rp.RAW_PASTE_ACCEPTED + struct.pack("<H", window) + rp.RAW_PASTE_WINDOW_FREE)
        self.raw_paste_code = bytearray()
        self.raw_paste_window_left = window

    def _raw_paste_byte(self, byte):
        if byte == _CTRL_C:
            self.raw_paste_code = None
            self.console(_RAW_PASTE_INTERRUPTED)
        elif byte == _CTRL_D:
            code = bytes(self.raw_paste_code)
            self.raw_paste_code = None
            self.console(rp.END_OF_OUTPUT)
            self._run(code, "raw")
        else:
            self.raw_paste_code.append(byte)
            self.raw_paste_window_left -= 1
            if self.raw_paste_window_left == 0:
                self.console(rp.RAW_PASTE_WINDOW_FREE)
                self.raw_paste_window_left = rp.RAW_PASTE_WINDOW

    def _friendly_byte(self, byte):
        if self.paste is not None:
            self._paste_byte(byte)
        elif self.escape_sequence is not None:
            # Arrow keys and the like: ESC [ parameters final-byte; no history here.
            self.escape_sequence.append(byte)
            if len(self.escape_sequence) > 1 and 0x40 <= byte <= 0x7E or len(self.escape_sequence) > 8:
                self.escape_sequence = None
        elif byte == _ESCAPE:
            self.escape_sequence = bytearray()
        elif byte in (0x0D, 0x0A):
            crlf = byte == 0x0A and self.after_cr
            self.after_cr = byte == 0x0D
            if not crlf:
                self.console(b"\r\n")
                self._enter_line()
            return
        elif _CTRL_A <= byte <= _CTRL_E and not self.line:
            self._friendly_control(byte)
        elif byte == _CTRL_C:
            self.console(b"\r\n")
            self.line.clear()
            self.statement_lines = []
            self.console(rp.FRIENDLY_PROMPT)
        elif byte in _BACKSPACES:
            if self.line:
                self.line.pop()
                self.console(b"\x08 \x08")
        elif byte >= 0x20:
            self.line.append(byte)
            self.console(bytes([byte]))
        self.after_cr = False

    def _friendly_control(self, byte):
        if self.statement_lines:
            if byte == _CTRL_C:
                self.console(b"\r\n" + rp.FRIENDLY_PROMPT)
                self.statement_lines = []
            elif byte == _CTRL_D:
                # Ends a compound statement early.
                source = "\n".join(self.statement_lines).encode()
                self.statement_lines = []
                self._run(source, "single")
            return
        if byte == _CTRL_A:
            self.mode = RAW
            self.console(b"\r\n" + rp.RAW_REPL_BANNER + rp.RAW_PROMPT)
        elif byte == _CTRL_B:
            self.console(b"\r\n" + self.banner + rp.FRIENDLY_PROMPT)
        elif byte == _CTRL_C:
            self.console(b"\r\n" + rp.FRIENDLY_PROMPT)
        elif byte == _CTRL_D:
            self.console(b"\r\n")
            self.soft_reset()
        elif byte == _CTRL_E:
            self.console(b"\r\n" + rp.PASTE_MODE_BANNER)
            self.paste = bytearray()

    def _enter_line(self):
        text = self.line.decode("utf-8", "replace")
        self.line.clear()
        if not self.statement_lines and not text:
            self.console(rp.FRIENDLY_PROMPT)
            return
        lines = self.statement_lines + [text]
        if _needs_more_lines(lines):
            self.statement_lines = lines
            self.console(rp.CONTINUATION_PROMPT)
            return
        self.statement_lines = []
        self._run("\n".join(lines).encode(), "single")

    def _paste_byte(self, byte):
        if byte == _CTRL_C:
            self.paste = None
            self.console(b"\r\n" + rp.FRIENDLY_PROMPT)
        elif byte == _CTRL_D:
            source = bytes(self.paste).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            self.paste = None
            self.console(b"\r\n")
            self._run(source, "paste")
        else:
            self.paste.append(byte)
            self.console(b"\r\n=== " if byte == 0x0D else bytes([byte]))
