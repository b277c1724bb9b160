"""Helpers for the firmware shim's tests (a module of its own: `conftest` is a name other
test folders use too)."""

import functools
import hashlib
import http.server
import json
import os
import pty
import select
import socket as native
import subprocess
import sys
import termios
import threading
import time

import serial
from mpsock.firmware_shim import repl_protocol as rp

# How long a test waits for the board to print what it expects.
EXPECT_TIMEOUT = 10.0
# How long a short program may take from start to end.
CASE_TIMEOUT = 10.0


class Terminal:
    """A host at the pty: sends bytes, waits for the board to print something."""

    def __init__(self, path):
        self.port = serial.Serial(path, timeout=0.05, exclusive=True)
        self.received = bytearray()

    def send(self, data):
        self.port.write(data)

    def expect(self, wanted, timeout=EXPECT_TIMEOUT):
        """Everything up to and including `wanted`; AssertionError if it does not come."""
        deadline = time.monotonic() + timeout
        while wanted not in self.received:
            assert time.monotonic() < deadline, "board did not print %r; it printed %r" % (
                wanted,
                bytes(self.received),
            )
            self.received += self.port.read(max(1, self.port.in_waiting))
        end = self.received.index(wanted) + len(wanted)
        seen = bytes(self.received[:end])
        del self.received[:end]
        return seen

    def prompt(self):
        """Ctrl-C at the friendly REPL, and its fresh prompt."""
        self.send(rp.CTRL_C)
        return self.expect(rp.FRIENDLY_PROMPT)

    def close(self):
        self.port.close()


def free_port():
    with native.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpBridge:
    """A TCP server on 127.0.0.1 relaying one connection to a pty, byte for byte: a board
    behind a socket://HOST:PORT serial URL (as ser2net or a network serial server gives)."""

    def __init__(self, pty_path):
        self.pty_path = pty_path
        self.server = native.create_server(("127.0.0.1", 0))
        self.url = "socket://127.0.0.1:%d" % self.server.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._relay, daemon=True)
        self.thread.start()

    def _relay(self):
        self.server.settimeout(EXPECT_TIMEOUT)
        try:
            connection, _ = self.server.accept()
        except OSError:
            return
        device = serial.Serial(self.pty_path, timeout=0)
        with connection:
            while not self.stopping.is_set():
                readable, _, _ = select.select([connection, device.fileno()], [], [], 0.1)
                if connection in readable:
                    data = connection.recv(4096)
                    if not data:
                        break
                    device.write(data)
                if device.fileno() in readable:
                    connection.sendall(device.read(4096))
        device.close()

    def close(self):
        self.stopping.set()
        self.server.close()
        self.thread.join(EXPECT_TIMEOUT)


# ---- mpremote, MicroPython's own host tool ----

MPREMOTE_TIMEOUT = 60


def mpremote(port, *args, cwd=None):
    """Runs `mpremote connect PORT ARGS...` to its end."""
    return subprocess.run(
        [sys.executable, "-m", "mpremote", "connect", port, *args],
        capture_output=True,
        text=True,
        timeout=MPREMOTE_TIMEOUT,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


class MpremoteRepl:
    """`mpremote connect PORT repl` (or other commands that end in its REPL, such as
    `mount DIR`) in a terminal of its own (it needs one): keys in, the board's output out."""

    def __init__(self, port, *commands):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mpremote", "connect", port, *(commands or ("repl",))],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.received = bytearray()

    def send(self, data):
        os.write(self.master, data)

    def wait_ready(self, timeout=EXPECT_TIMEOUT):
        """Until mpremote has put its terminal in raw mode: before that, the terminal itself
        takes Ctrl-C and Ctrl-D (as signal and end of file) and the board never sees them."""
        self.expect(b"exit this shell", timeout)
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.master)[3] & termios.ICANON:
            assert time.monotonic() < deadline, "mpremote did not take its terminal"
            time.sleep(0.02)

    def expect(self, wanted, timeout=EXPECT_TIMEOUT):
        """Everything up to and including `wanted`; AssertionError if it does not come."""
        deadline = time.monotonic() + timeout
        while wanted not in self.received:
            left = deadline - time.monotonic()
            assert left > 0, "mpremote did not print %r; it printed %r" % (wanted, bytes(self.received))
            if select.select([self.master], [], [], left)[0]:
                try:
                    self.received += os.read(self.master, 4096)
                except OSError:  # mpremote ended
                    assert False, "mpremote ended before %r; it printed %r" % (wanted, bytes(self.received))
        end = self.received.index(wanted) + len(wanted)
        seen = bytes(self.received[:end])
        del self.received[:end]
        return seen

    def close(self):
        """Ctrl-] leaves mpremote's REPL; the exit status."""
        if self.process.poll() is None:
            self.send(b"\x1d")
        try:
            return self.process.wait(EXPECT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            os.close(self.master)


class PackageIndex:
    """A MicroPython package index (mip's v2 layout: package/MPY/NAME/VERSION.json, and
    file/HH/HASH for the files), served over HTTP on 127.0.0.1 from a folder."""

    def __init__(self, folder):
        self.folder = folder
        handler = functools.partial(_QuietFiles, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, name, files, mpy="py", deps=(), version="latest"):
        """Publishes package `name` for `mpy` ("py" or an .mpy version): files maps the path
        it is installed at (under the target lib folder) to its bytes."""
        hashes = []
        for path, data in files.items():
            digest = hashlib.sha256(data).hexdigest()[:8]
            stored = self.folder / "file" / digest[:2] / digest
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_bytes(data)
            hashes.append([path, digest])
        package = self.folder / "package" / str(mpy) / name / ("%s.json" % version)
        package.parent.mkdir(parents=True, exist_ok=True)
        package.write_text(json.dumps({"hashes": hashes, "deps": [list(dep) for dep in deps], "v": 1}))

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(EXPECT_TIMEOUT)


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
