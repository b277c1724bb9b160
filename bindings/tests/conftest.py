"""Shared fixtures: a fresh emulated stack per test, native CPython peers on loopback, and a
way to run scripts through the installed commands. Every peer call has a timeout."""

import os
import subprocess

import pytest

import mpsock

from native_peers import PEER_TIMEOUT, NativeServer, echo, free_port  # noqa: F401


@pytest.fixture
def emu():
    """The emulator's socket module, as a script sees it, on a fresh stack with the default
    (camera) profile."""
    from mpsock.modules import socket_module

    mpsock.use_profile("openmv-rt1062")
    mpsock.use_system_resolver(False)
    return socket_module()


@pytest.fixture
def desktop():
    from mpsock.modules import socket_module

    mpsock.use_profile("desktop")
    mpsock.use_system_resolver(False)
    return socket_module()


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


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs for minutes; skipped unless MPSOCK_SLOW_TESTS=1")


def pytest_collection_modifyitems(config, items):
    # The long soaks are for a CI job that asks for them; every core check runs without.
    if os.environ.get("MPSOCK_SLOW_TESTS", "") not in ("", "0"):
        return
    skip = pytest.mark.skip(reason="slow: set MPSOCK_SLOW_TESTS=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
