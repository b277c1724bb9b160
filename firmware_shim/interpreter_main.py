"""The interpreter inside the virtual camera: one process per boot of the board, so a soft
reset (a new process) leaves nothing of the previous programs behind — no globals, no open
sockets, no threads. Started by interpreter_process.py as

    python -c "from mpsock.firmware_shim.interpreter_main import main; main()" \\
        --control-fd N [--board-pid PID] [--profile NAME] [--flash DIR]

(imported, not run with -m, so its frames carry the module's name and runner leaves them out
of the programs' tracebacks)
with fd 0 the programs' sys.stdin (a pipe from the board) and fd 1 and 2 the console (the
pty's master side). Programs see the board's modules (mpsock.modules.script_modules, with the
board's filesystems: the flash folder mounted where the profile says, modvfs.py) and run one
after another in one __main__, as in the firmware's REPL.

Control messages (pickled tuples on the --control-fd connection):

    board -> interpreter   ("run", source_bytes, how)   how: "raw", "single" or "paste"
                           ("boot", run_main)           run boot.py, and main.py if run_main
    interpreter -> board   ("ready",)                   once, when it can run programs
                           ("started",)                 the program runs: SIGINT interrupts it
                           ("kbd_intr", char)           micropython.kbd_intr(char): the byte
                                                        that interrupts (-1: none) until the
                                                        program ends
                           ("done", outcome)            after each run: "ok", "error", "exit",
                                                        "reset"

"raw" runs a raw-REPL command and frames its output as the firmware does: stdout, \\x04,
the traceback, \\x04. "single" is one friendly-REPL statement (expression values are
printed); "paste" is a friendly-REPL paste-mode block. "exit" means the program raised
SystemExit (or called machine.soft_reset()), upon which the firmware soft-reboots; "reset"
that it called machine.reset() (or another call that restarts the chip), a hard reset.

Ctrl-C is SIGINT. The board sends it only between "started" and "done" (a Ctrl-C that comes
before "started" waits for it), so a SIGINT that arrives outside a program was meant for one
that has just ended, and is ignored.
"""

import argparse
import os
import select
import signal
import sys
import threading
import time
import types
from multiprocessing.connection import Connection

from .. import dialect, runner
from ..importer import ScriptImports
from ..modmachine import BoardReset
from ..modules import script_modules
from ..modvfs import board_filesystem
from .board_stdio import ConsoleText, StdinText

END_OF_OUTPUT = b"\x04"
# How often the interpreter checks that the virtual camera that started it is still there.
ORPHAN_CHECK_INTERVAL = 1.0

_program_running = False


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
    except SystemExit:  # the firmware soft-reboots
        _end_of_stdout(how)
        outcome = "exit"
    except BoardReset as error:
        _end_of_stdout(how)
        outcome = _reset_outcome(error)
    except BaseException as error:  # noqa: BLE001 - printed as the firmware prints it
        _end_of_stdout(how)
        _report(error)
        outcome = "error"
    finally:
        if how == "raw":
            sys.stderr.flush()
            sys.stdout.buffer.write_raw(END_OF_OUTPUT)
    return outcome


def _reset_outcome(error):
    return "exit" if error.how == "soft_reset" else "reset"


def boot(run_main, namespace, started, filesystem):
    """Runs boot.py and, if `run_main`, main.py from the board's current folder (the flash), as
    the firmware does before its REPL: a script's exception is printed and the boot goes on;
    sys.exit() ends that script only. The outcome as run()'s."""
    global _program_running
    for name in ("boot.py", "main.py") if run_main else ("boot.py",):
        if filesystem.kind(name) != "file":
            continue
        try:
            code = dialect.compile_user(filesystem.read_bytes(name), name)
        except SyntaxError as error:
            _report_syntax_error(error)
            continue
        except OSError:
            continue
        _program_running = True
        started()
        try:
            exec(code, namespace)
        except SystemExit:
            pass
        except BoardReset as error:
            return _reset_outcome(error)
        except BaseException as error:  # noqa: BLE001 - printed as the firmware prints it
            _report(error)
        finally:
            _program_running = False
            sys.stdout.flush()
    return "ok"


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

    sys.stdout = sys.stderr = ConsoleText(1)
    sys.stdin = StdinText(0)

    # The board's pid from the board itself: one that died while we started has already
    # handed us to another parent.
    board = args.board_pid if args.board_pid is not None else os.getppid()
    threading.Thread(target=_end_with_the_board, args=(board,), daemon=True).start()
    runner.prepare(profile=args.profile)
    signal.signal(signal.SIGINT, _on_sigint)

    control = Connection(args.control_fd)
    sending = threading.Lock()

    def send(message):
        with sending:  # programs' threads may call micropython.kbd_intr
            control.send(message)

    def kbd_intr(char):
        send(("kbd_intr", int(char)))

    # The host's current folder is the flash folder; the host's own imports never look in it
    # (sys.path's '' goes), the board's always do, through its filesystems.
    os.chdir(args.flash)
    if sys.path and sys.path[0] in ("", args.flash):
        del sys.path[0]
    sys.argv = [""]
    modules = script_modules({"flash": args.flash, "kbd_intr": kbd_intr})
    imports = ScriptImports(modules, [])
    filesystem = board_filesystem(modules)
    main_module = types.ModuleType("__main__")
    main_module.__dict__["__builtins__"] = imports.builtins
    sys.modules["__main__"] = main_module

    send(("ready",))
    with imports:
        while True:
            try:
                message = control.recv()
            except (EOFError, OSError):
                break
            started = lambda: send(("started",))  # noqa: E731
            if message[0] == "run":
                outcome = run(message[1], message[2], main_module.__dict__, started)
            elif message[0] == "boot":
                outcome = boot(message[1], main_module.__dict__, started, filesystem)
            else:
                continue
            send(("done", outcome))
    os._exit(0)  # the programs' threads end with the board
