"""The serial transport when things go wrong: a case that hangs, a board that resets or goes
away under a program, and a port that is absent, busy or silent."""

import os
import time

import pytest
import serial
from mpsock.firmware_shim.transport import BoardReset, CaseTimeout, SerialTransport, TransportError
from shim_test_support import CASE_TIMEOUT

pytestmark = pytest.mark.timeout(60)


def test_a_busy_loop_past_its_timeout_is_interrupted_and_reported(transport):
    started = time.monotonic()
    with pytest.raises(CaseTimeout) as caught:
        transport.exec("print('spinning')\nwhile True:\n    pass", 0.5)
    assert time.monotonic() - started < 5
    assert caught.value.stdout == b"spinning\n"
    assert caught.value.stderr.endswith(b"KeyboardInterrupt: \n")
    assert transport.exec("print('usable')", CASE_TIMEOUT) == (b"usable\n", b"")


def test_ctrl_c_interrupts_a_program_blocked_in_a_socket_call(transport):
    transport.start(
        "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen(1)\nprint('waiting')\ns.accept()"
    )
    assert transport.readline(CASE_TIMEOUT) == b"waiting\n"
    with pytest.raises(CaseTimeout) as caught:
        transport.finish(0.3)
    assert b'File "<stdin>", line 6, in <module>\nKeyboardInterrupt: \n' in caught.value.stderr
    assert transport.exec("print('usable')", CASE_TIMEOUT) == (b"usable\n", b"")


def test_a_board_reset_during_a_case_is_reported_and_the_board_recovers(camera, transport):
    transport.start("import time\nprint('sleeping')\ntime.sleep(60)")
    assert transport.readline(CASE_TIMEOUT) == b"sleeping\n"
    camera.reset_board()
    with pytest.raises(BoardReset):
        transport.finish(CASE_TIMEOUT)
    transport.enter_raw_repl()
    assert transport.exec("print('back')", CASE_TIMEOUT) == (b"back\n", b"")


def test_a_board_reset_is_seen_by_readline_too(camera, transport):
    transport.start("import time\ntime.sleep(60)")
    camera.reset_board()
    with pytest.raises(BoardReset):
        transport.readline(CASE_TIMEOUT)


def test_a_port_that_goes_away_during_a_case_is_a_board_reset(camera, transport):
    transport.start("import time\ntime.sleep(60)")
    camera.stop()
    with pytest.raises(BoardReset, match=camera.path or "/dev/pts"):
        transport.finish(CASE_TIMEOUT)


def test_absent_port_is_named_with_what_to_do(tmp_path):
    missing = str(tmp_path / "ttyACM9")
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        SerialTransport(missing, open_timeout=0.3)
    assert time.monotonic() - started < 3
    assert missing in str(caught.value) and "not found" in str(caught.value)
    assert "list_ports" in str(caught.value)


def test_busy_port_is_named_with_what_to_do(camera):
    holder = serial.Serial(camera.path, exclusive=True)
    try:
        with pytest.raises(TransportError) as caught:
            SerialTransport(camera.path, open_timeout=0.3)
    finally:
        holder.close()
    assert camera.path in str(caught.value) and "busy" in str(caught.value)
    SerialTransport(camera.path).close()  # free again


def test_silent_port_is_reported_quickly():
    controller, device = os.openpty()  # nothing answers on this one
    try:
        link = SerialTransport(os.ttyname(device), response_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            link.enter_raw_repl()
        assert time.monotonic() - started < 5
        link.close()
    finally:
        os.close(controller)
        os.close(device)
    assert "no response" in str(caught.value) and "reset" in str(caught.value)


def test_starting_twice_without_finishing_is_an_error(transport):
    transport.start("import time\ntime.sleep(0.2)")
    with pytest.raises(TransportError):
        transport.start("print(1)")
    assert transport.finish(CASE_TIMEOUT) == (b"", b"")


def test_finish_without_a_program_is_an_error(transport):
    with pytest.raises(TransportError):
        transport.finish(CASE_TIMEOUT)
