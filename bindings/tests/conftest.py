"""Shared fixtures: a fresh emulated stack per test, native CPython peers on loopback, and a
way to run scripts through the installed commands. Every peer call has a timeout."""

import os
import socket as native
import subprocess
import sys
import threading

import pytest

import mpsock

PEER_TIMEOUT = 5.0


@pytest.fixture
def emu():
    """The emulator's socket module on a fresh stack with the default (camera) profile."""
    mpsock.use_profile("openmv-rt1062")
    mpsock.use_system_resolver(False)
    return mpsock._mpsock.lwip


@pytest.fixture
def desktop():
    mpsock.use_profile("desktop")
    mpsock.use_system_resolver(False)
    return mpsock._mpsock.lwip_desktop


class NativeServer:
    """A CPython TCP server on 127.0.0.1 that runs `handler(conn)` for each connection."""

    def __init__(self, handler, backlog=8):
        self.sock = native.socket()
        self.sock.setsockopt(native.SOL_SOCKET, native.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(backlog)
        self.sock.settimeout(PEER_TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.address = ("127.0.0.1", self.port)
        self.handler = handler
        self.errors = []
        self.connections = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            while True:
                conn, _ = self.sock.accept()
                conn.settimeout(PEER_TIMEOUT)
                self.connections.append(conn)
                try:
                    self.handler(conn)
                except Exception as error:  # recorded for the test to see
                    self.errors.append(error)
        except OSError:
            return

    def close(self):
        # shutdown() wakes the serving thread out of a blocked accept or recv; close() alone
        # does not.
        for sock in [self.sock] + self.connections:
            try:
                sock.shutdown(native.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.thread.join(PEER_TIMEOUT)


@pytest.fixture
def native_server():
    servers = []

    def start(handler, backlog=8):
        server = NativeServer(handler, backlog)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def echo(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


@pytest.fixture
def echo_server(native_server):
    return native_server(echo)


def mpsock_command(*args, input=None, timeout=60, env=None, cwd=None):
    """Runs an installed mpsock command; its output as text."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        list(args), input=input, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=cwd)


@pytest.fixture
def run_mpsock():
    return lambda *args, **kw: mpsock_command("mpsock", *args, **kw)


@pytest.fixture
def run_micropython():
    return lambda *args, **kw: mpsock_command("mpsock-micropython", *args, **kw)


@pytest.fixture
def script(tmp_path):
    """Writes a script file and returns its path."""

    def write(text, name="script.py"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def free_port():
    with native.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
