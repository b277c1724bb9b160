"""The virtual camera: a pseudo-terminal that answers as an OpenMV Cam's USB serial port
does — MicroPython's friendly REPL, raw REPL and raw-paste mode — and runs what it receives
with the emulator's modules. Point the serial transport, mpremote or a terminal at its
/dev/pts/N and the host side of the firmware shim is exercised without a camera.

    with VirtualCamera(profile="openmv-rt1062") as camera:   # or camera.start() ... camera.stop()
        port = camera.path                                   # e.g. /dev/pts/5
        camera.reset_board()                                 # as if the reset button was pressed

Only the owner may open the pty (mode 0600). The board's state machine (board_repl.py) runs
on a thread of this process; programs run in a separate interpreter process, replaced at
every soft reset (interpreter_process.py). The board's flash is a host folder (`flash_dir`, or
a fresh private one removed at stop()), mounted where the profile says (modvfs.py): scripts
list, open and import its files, mpremote copies files to it and mounts a folder beside it,
and every boot runs its boot.py (and main.py, when the board would).

Timeouts: START_TIMEOUT (interpreter_process.py) for a boot; COMMAND_TIMEOUT for the board's
thread to carry out reset_board(); STOP_TIMEOUT for it to end at stop().
"""

import datetime
import os
import queue
import select
import shutil
import sys
import tempfile
import threading
import traceback
import tty

from .. import __version__, _mpsock, settings
from .board_repl import BoardRepl
from .interpreter_process import InterpreterError, InterpreterProcess
from .repl_protocol import friendly_banner

COMMAND_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
PTY_MODE = 0o600
_READ_SIZE = 4096


def profile_facts(name):
    return next(profile for profile in _mpsock.profiles() if profile["name"] == name)


def resolve_profile(profile):
    """The profile the camera's programs get: the one asked for, else MPSOCK_PROFILE, else
    the emulator's default. ValueError for an unknown name, or for any bad MPSOCK_* setting
    (the programs' interpreters take them too)."""
    settings.check_environment()
    if profile:
        return settings.check_profile(profile)
    return settings.profile_from_env() or _mpsock.default_profile_name()


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class VirtualCamera:
    def __init__(self, profile=None, raw_paste=True, flash_dir=None):
        """raw_paste=False answers as firmware older than raw-paste mode (MicroPython < 1.14)."""
        self.profile = resolve_profile(profile)
        self.raw_paste = raw_paste
        self.path = None
        self._flash_dir = flash_dir
        self._own_flash_dir = False
        self._master = self._slave = None
        self._wake_read = self._wake_write = None
        self._commands = queue.Queue()
        self._thread = None
        self._repl = None

    def banner(self):
        python = "CPython %d.%d.%d" % sys.version_info[:3]
        board = "mpsock virtual camera (profile %s)" % self.profile
        return friendly_banner("mpsock-" + __version__, datetime.date.today().isoformat(), board, python)

    def start(self):
        """Opens the pty, boots the board and returns the pty's path."""
        if self._thread is not None:
            return self.path
        self._master, self._slave = os.openpty()
        # The slave stays open here too, so a host may close and reopen the port (as with a
        # board that stays powered) without the master seeing a hang-up.
        os.fchmod(self._slave, PTY_MODE)
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        if self._flash_dir is None:
            self._flash_dir = tempfile.mkdtemp(prefix="mpsock-flash-")
            self._own_flash_dir = True
        self._wake_read, self._wake_write = os.pipe()
        self._repl = BoardRepl(
            self._console,
            self._start_interpreter,
            self.banner(),
            self.raw_paste,
            boot_files=self._boot_files,
            main_at_soft_reset=profile_facts(self.profile)["main_at_soft_reset"],
        )
        try:
            self._repl.boot()
        except InterpreterError:
            self._close()
            raise
        self._thread = threading.Thread(target=self._serve, name="virtual-camera", daemon=True)
        self._thread.start()
        return self.path

    def reset_board(self):
        """A hard reset, as the reset button: the running program is killed mid-way, its
        sockets close, and the board prints its boot banner and waits at the friendly REPL."""
        self._command("reset")

    def stop(self):
        """Powers the board off: the program ends and the pty goes away."""
        if self._thread is None:
            return
        self._commands.put(("stop", None))
        os.write(self._wake_write, b"x")
        self._thread.join(STOP_TIMEOUT)
        self._thread = None
        self._close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- the board's thread -------------------------------------------------------------

    def _command(self, name):
        if self._thread is None:
            raise RuntimeError("the virtual camera is not running")
        done = threading.Event()
        self._commands.put((name, done))
        os.write(self._wake_write, b"x")
        if not done.wait(COMMAND_TIMEOUT):
            raise RuntimeError("the virtual camera did not carry out %r within %gs" % (name, COMMAND_TIMEOUT))

    def _console(self, data):
        _write_all(self._master, data)

    def _start_interpreter(self):
        return InterpreterProcess(self._master, self.profile, self._flash_dir)

    @property
    def flash_dir(self):
        """The host folder that is the board's flash."""
        return self._flash_dir

    def _boot_files(self, names):
        # The flash's root is the current folder at boot on every board here.
        return [name for name in names if os.path.isfile(os.path.join(self._flash_dir, name))]

    def _serve(self):
        while True:
            interpreter = self._repl.interpreter
            watched = [self._master, self._wake_read]
            if interpreter is not None:
                watched.append(interpreter.control)
            readable, _, _ = select.select(watched, [], [])
            try:
                if self._wake_read in readable and not self._run_commands():
                    return
                if (
                    interpreter is not None
                    and interpreter is self._repl.interpreter
                    and interpreter.control in readable
                ):
                    self._take_messages(interpreter)
                if self._master in readable:
                    self._repl.feed(os.read(self._master, _READ_SIZE))
            except InterpreterError as error:
                # Say why on both sides; the next command tries to boot again.
                self._repl.shutdown()
                print("mpsock virtual camera: %s" % error, file=sys.stderr)
                self._console(b"mpsock virtual camera: %s\r\n" % str(error).encode())
            except Exception:  # noqa: BLE001 - the board keeps serving; the bug is shown
                traceback.print_exc()

    def _take_messages(self, interpreter):
        """Every message the interpreter has sent, before the host's bytes are read: a program
        sends kbd_intr before the output the host answers."""
        while interpreter is self._repl.interpreter:
            try:
                if not interpreter.control.poll(0):
                    return
                message = interpreter.control.recv()
            except (EOFError, OSError):
                self._repl.interpreter_lost()
                return
            self._repl.interpreter_message(message)

    def _run_commands(self):
        """Carries out queued commands; False once told to stop."""
        os.read(self._wake_read, _READ_SIZE)
        while True:
            try:
                name, done = self._commands.get_nowait()
            except queue.Empty:
                return True
            if name == "stop":
                return False
            try:
                if name == "reset":
                    self._repl.boot()
            finally:
                done.set()

    def _close(self):
        if self._repl is not None:
            self._repl.shutdown()
        for fd in (self._master, self._slave, self._wake_read, self._wake_write):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = self._wake_read = self._wake_write = None
        if self._own_flash_dir:
            shutil.rmtree(self._flash_dir, ignore_errors=True)
            self._flash_dir = None
            self._own_flash_dir = False
