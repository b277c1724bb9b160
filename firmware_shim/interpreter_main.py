"""The interpreter inside the virtual camera: one process per boot of the board, so a soft
reset (a new process) leaves nothing of the previous programs behind — no globals, no open
sockets, no threads. Started by interpreter_process.py as

    python -c "from mpsock.firmware_shim.interpreter_main import main; main()" \\
        --control-fd N [--board-pid PID] [--profile NAME] [--flash DIR]

(imported, not run with -m, so its frames carry the module's name and runner leaves them out
of the programs' tracebacks)
with fd 0 the programs' sys.stdin (a pipe from the board) and fd 1 and 2 the console (the
pty's master side). Programs see the emulator's modules (mpsock.modules.script_modules) and
run one after another in one __main__, as in the firmware's REPL.

Control messages (pickled tuples on the --control-fd connection):

    board -> interpreter   ("run", source_bytes, how)   how: "raw", "single" or "paste"
    interpreter -> board   ("ready",)                   once, when it can run programs
                           ("started",)                 the program runs: SIGINT interrupts it
                           ("done", outcome)            after each run: "ok", "error", "exit"

"raw" runs a raw-REPL command and frames its output as the firmware does: stdout, \\x04,
the traceback, \\x04. "single" is one friendly-REPL statement (expression values are
printed); "paste" is a friendly-REPL paste-mode block. "exit" means the program raised
SystemExit, upon which the firmware soft-reboots.

Ctrl-C is SIGINT. The board sends it only between "started" and "done" (a Ctrl-C that comes
before "started" waits for it), so a SIGINT that arrives outside a program was meant for one
that has just ended, and is ignored.
"""

import argparse
import io
import os
import select
import signal
import sys
import threading
import time
import types
from multiprocessing.connection import Connection

from .. import dialect, runner
from ..modmachine import BoardReset
from ..importer import ScriptImports
from ..modules import script_modules

END_OF_OUTPUT = b"\x04"
# How often the interpreter checks that the virtual camera that started it is still there.
ORPHAN_CHECK_INTERVAL = 1.0

_program_running = False


class ConsoleWriter(io.RawIOBase):
    """The board's cooked stdout: every \\n goes out as \\r\\n (shared/runtime's
    mp_hal_stdout_tx_strn_cooked)."""

    def __init__(self, fd):
        super().__init__()
        self.fd = fd

    def writable(self):
        return True

    def write(self, data):
        self.write_raw(bytes(data).replace(b"\n", b"\r\n"))
        return len(data)

    def write_raw(self, data):
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]


def wait_for_process_end(pid, then):
    """Calls then() once process `pid`, our parent, has ended: at once through a pidfd, or
    within ORPHAN_CHECK_INTERVAL where the kernel has none."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = None
    try:
        # Checked after the pidfd is open: a parent gone before it would never signal it.
        if handle is not None and os.getppid() == pid:
            select.select([handle], [], [])
        while os.getppid() == pid:
            time.sleep(ORPHAN_CHECK_INTERVAL)
    finally:
        if handle is not None:
            os.close(handle)
    then()


def _end_with_the_board(board_pid):
    # A board process killed outright cannot end us; a program that never returns would
    # otherwise outlive it.
    wait_for_process_end(board_pid, lambda: os._exit(0))


def _on_sigint(signum, frame):
    # Ctrl-C from the host stops a running program, as the firmware's interrupt character
    # does; between programs it means nothing (the board's REPL handles it).
    if _program_running:
        raise KeyboardInterrupt


def _report_syntax_error(error):
    print("Traceback (most recent call last):", file=sys.stderr)
    print('  File "%s", line %s' % (error.filename or "<stdin>", error.lineno), file=sys.stderr)
    print("%s: %s" % (type(error).__name__, error.msg), file=sys.stderr)


def _report(error):
    # runner leaves out mpsock's own frames (run()'s exec call, the Ctrl-C handler).
    runner.report(error, runner.Style.MICROPYTHON)


def run(source, how, namespace, started):
    """Runs one REPL command; its outcome: "ok", "error" or "exit". `started()` is called
    once the program can be interrupted."""
    global _program_running
    outcome = "ok"
    try:
        try:
            text = source.decode("utf-8", "replace")
            code = dialect.compile_user(text, "<stdin>", "single" if how == "single" else "exec")
        except SyntaxError as error:
            sys.stdout.flush()
            _end_of_stdout(how)
            _report_syntax_error(error)
            return "error"
        _program_running = True
        started()
        try:
            exec(code, namespace)
        finally:
            _program_running = False
        sys.stdout.flush()
        _end_of_stdout(how)
    except (SystemExit, BoardReset):  # machine.reset() restarts the board, as sys.exit() does
        _end_of_stdout(how)
        outcome = "exit"
    except BaseException as error:  # noqa: BLE001 - printed as the firmware prints it
        _end_of_stdout(how)
        _report(error)
        outcome = "error"
    finally:
        if how == "raw":
            sys.stderr.flush()
            sys.stdout.buffer.write_raw(END_OF_OUTPUT)
    return outcome


def _end_of_stdout(how):
    if how == "raw":
        sys.stdout.flush()
        sys.stdout.buffer.write_raw(END_OF_OUTPUT)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="interpreter_main")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--board-pid", type=int)
    parser.add_argument("--profile")
    parser.add_argument("--flash", default=os.getcwd())
    args = parser.parse_args(argv)

    console = ConsoleWriter(1)
    stream = io.TextIOWrapper(console, encoding="utf-8", errors="backslashreplace", write_through=True)
    sys.stdout = sys.stderr = stream
    # MicroPython's sys.stdin hands over what arrives, \r included.
    sys.stdin = io.TextIOWrapper(
        io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", errors="replace", newline="\n"
    )

    # The board's pid from the board itself: one that died while we started has already
    # handed us to another parent.
    board = args.board_pid if args.board_pid is not None else os.getppid()
    threading.Thread(target=_end_with_the_board, args=(board,), daemon=True).start()
    runner.prepare(profile=args.profile)
    signal.signal(signal.SIGINT, _on_sigint)

    os.chdir(args.flash)
    sys.path[0] = args.flash
    sys.argv = [""]
    imports = ScriptImports(script_modules(), [args.flash])
    main_module = types.ModuleType("__main__")
    main_module.__dict__["__builtins__"] = imports.builtins
    sys.modules["__main__"] = main_module

    control = Connection(args.control_fd)
    control.send(("ready",))
    with imports:
        while True:
            try:
                message = control.recv()
            except (EOFError, OSError):
                break
            if message[0] == "run":
                outcome = run(
                    message[1], message[2], main_module.__dict__, lambda: control.send(("started",))
                )
                control.send(("done", outcome))
    os._exit(0)  # the programs' threads end with the board
