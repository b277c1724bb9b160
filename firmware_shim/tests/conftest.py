"""Fixtures: a virtual camera per test, the serial transport on it, and a bare serial
terminal for looking at the REPL byte by byte. Every wait has a timeout."""

import pytest
from mpsock.firmware_shim.transport import SerialTransport
from mpsock.firmware_shim.virtual_camera import VirtualCamera
from shim_test_support import Terminal


@pytest.fixture
def camera():
    with VirtualCamera() as board:
        yield board


@pytest.fixture
def transport(camera):
    link = SerialTransport(camera.path)
    link.enter_raw_repl()
    yield link
    link.close()


@pytest.fixture
def terminal(camera):
    term = Terminal(camera.path)
    yield term
    term.close()
