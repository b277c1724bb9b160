"""The virtual camera's side of its interpreter process (interpreter_main.py): start it,
hand it programs and their stdin, interrupt it, end it. No program text goes through a
shell: the process is started from an argument list and programs go over a private pipe.
"""

import os
import select
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection

# For a new interpreter to import the emulator and report ready (a board's boot time).
START_TIMEOUT = 15.0
# For a killed interpreter to be reaped.
EXIT_TIMEOUT = 5.0


class InterpreterError(Exception):
    """The interpreter process could not be started."""


class InterpreterProcess:
    """One boot of the board: a fresh interpreter whose stdout and stderr are the console."""

    def __init__(self, console_fd, profile=None, flash_dir=None):
        ours, theirs = socket.socketpair()
        stdin_read, stdin_write = os.pipe()
        command = [
            sys.executable,
            "-c",
            "from mpsock.firmware_shim.interpreter_main import main; main()",
            "--control-fd",
            str(theirs.fileno()),
            "--board-pid",
            str(os.getpid()),
        ]
        if profile:
            command += ["--profile", profile]
        if flash_dir:
            command += ["--flash", flash_dir]
        try:
            # cwd="/" so nothing in the caller's folder shadows a module while it starts; it
            # moves to its flash folder itself. Its own session keeps a terminal's Ctrl-C away.
            self.process = subprocess.Popen(
                command,
                stdin=stdin_read,
                stdout=console_fd,
                stderr=console_fd,
                pass_fds=(theirs.fileno(),),
                cwd="/",
                start_new_session=True,
            )
        finally:
            # The board keeps its own copy of the read end: what a program leaves unread goes
            # back to the REPL (unread_stdin).
            self.stdin_unread_fd = os.dup(stdin_read)
            os.close(stdin_read)
            theirs.close()
        os.set_blocking(stdin_write, False)
        self.stdin_fd = stdin_write
        self.control = Connection(ours.detach())
        if not self.control.poll(START_TIMEOUT):
            self.kill()
            raise InterpreterError(
                "the virtual camera's interpreter did not start within %gs" % START_TIMEOUT
            )
        try:
            self.control.recv()
        except (EOFError, OSError):
            self.kill()
            raise InterpreterError("the virtual camera's interpreter exited while starting") from None

    def run(self, source, how):
        self.control.send(("run", bytes(source), how))

    def boot(self, run_main):
        """Runs boot.py (and main.py if run_main) from the flash."""
        self.control.send(("boot", bool(run_main)))

    def unread_stdin(self):
        """What the host sent that the program did not read (on a board it stays in the stdin
        buffer for the REPL). Only between programs."""
        # Polled, not made non-blocking: the descriptor shares its flags with the program's stdin.
        chunks = []
        while select.select([self.stdin_unread_fd], [], [], 0)[0]:
            chunk = os.read(self.stdin_unread_fd, 4096)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def feed_stdin(self, data):
        """Bytes for the running program's sys.stdin; beyond what the pipe holds they are
        dropped, as a board drops what overflows its stdin buffer."""
        try:
            os.write(self.stdin_fd, data)
        except (BlockingIOError, BrokenPipeError):
            pass

    def interrupt(self):
        try:
            self.process.send_signal(signal.SIGINT)
        except ProcessLookupError:
            pass

    def kill(self):
        """Ends the interpreter at once: its sockets close, its threads stop."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        self.control.close()
        for name in ("stdin_fd", "stdin_unread_fd"):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)
