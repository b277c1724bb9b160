"""Helpers for the firmware shim's tests (a module of its own: `conftest` is a name other
test folders use too)."""

import select
import socket as native
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
