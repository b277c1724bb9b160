"""The serial transport running programs on the virtual camera: output, errors, streaming,
stdin, raw-paste and plain raw mode, and the state a soft reset clears."""

import socket as native

import pytest
from mpsock.firmware_shim.transport import SerialTransport
from mpsock.firmware_shim.virtual_camera import VirtualCamera
from shim_test_support import CASE_TIMEOUT, TcpBridge, free_port

pytestmark = pytest.mark.timeout(60)

TRACEBACK = b"Traceback (most recent call last):\n"


def test_exec_returns_output_without_the_boards_crlf(transport):
    assert transport.exec("print(1 + 1)\nprint('a\\r\\nb')", CASE_TIMEOUT) == (b"2\na\r\nb\n", b"")


def test_exec_returns_the_traceback_as_micropython_prints_it(transport):
    stdout, errors = transport.exec("print('before')\nraise ValueError('bad value')", CASE_TIMEOUT)
    assert stdout == b"before\n"
    assert errors == TRACEBACK + b'  File "<stdin>", line 2, in <module>\nValueError: bad value\n'


def test_syntax_error_is_reported_with_its_line(transport):
    stdout, errors = transport.exec("x = 1\ndef broken(:\n    pass\n", CASE_TIMEOUT)
    assert stdout == b""
    assert errors.startswith(TRACEBACK + b'  File "<stdin>", line 2\nSyntaxError: ')


def test_emulator_errors_are_the_firmwares(transport):
    code = "import socket\ns = socket.socket()\ns.settimeout(0)\ntry:\n    s.accept()\nexcept OSError as e:\n    print(e.args[0])"
    assert transport.exec(code, CASE_TIMEOUT) == (b"22\n", b"")


def test_readline_streams_lines_while_the_program_runs(transport):
    transport.start("import sys\nprint('ready')\nline = sys.stdin.readline()\nprint('got', line.strip())")
    assert transport.readline(CASE_TIMEOUT) == b"ready\n"
    assert transport.readline(0.2) is None  # it waits for its stdin
    transport.write(b"hello camera\n")
    assert transport.readline(CASE_TIMEOUT) == b"got hello camera\n"
    assert transport.readline(CASE_TIMEOUT) == b""
    assert transport.finish(CASE_TIMEOUT) == (b"", b"")


def test_readline_gives_the_unterminated_end_of_the_output(transport):
    transport.start("print('one')\nprint('two', end='')")
    assert transport.readline(CASE_TIMEOUT) == b"one\n"
    assert transport.readline(CASE_TIMEOUT) == b"two"
    assert transport.readline(CASE_TIMEOUT) == b""
    assert transport.finish(CASE_TIMEOUT) == (b"", b"")


def test_finish_returns_what_readline_did_not_take(transport):
    transport.start("for i in range(3):\n    print(i)")
    assert transport.readline(CASE_TIMEOUT) == b"0\n"
    assert transport.finish(CASE_TIMEOUT) == (b"1\n2\n", b"")


def test_globals_persist_until_a_soft_reset(transport):
    transport.exec("remembered = 42", CASE_TIMEOUT)
    assert transport.exec("print(remembered)", CASE_TIMEOUT) == (b"42\n", b"")
    transport.enter_raw_repl(soft_reset=True)
    stdout, errors = transport.exec("print(remembered)", CASE_TIMEOUT)
    assert stdout == b"" and b"NameError" in errors


def test_soft_reset_closes_the_previous_programs_sockets(transport):
    port = free_port()
    code = (
        "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', %d))\ns.listen(1)\nprint('listening')"
        % port
    )
    assert transport.exec(code, CASE_TIMEOUT) == (b"listening\n", b"")
    native.create_connection(("127.0.0.1", port), timeout=5).close()  # it is listening
    transport.enter_raw_repl(soft_reset=True)
    with pytest.raises(ConnectionRefusedError):
        native.create_connection(("127.0.0.1", port), timeout=5)


def test_sys_exit_soft_reboots_the_board_and_the_next_case_runs(transport):
    transport.exec("kept = 1", CASE_TIMEOUT)
    assert transport.exec("import sys\nprint('bye')\nsys.exit()", CASE_TIMEOUT) == (b"bye\n", b"")
    assert b"NameError" in transport.exec("print(kept)", CASE_TIMEOUT)[1]


LONG_PROGRAM = "total = 0\n" + "total += 1\n" * 3000 + "print(total)\n"


def test_long_program_goes_through_the_raw_paste_window(transport):
    assert len(LONG_PROGRAM) > 20 * 128
    assert transport.exec(LONG_PROGRAM, CASE_TIMEOUT) == (b"3000\n", b"")
    assert transport.use_raw_paste


def test_plain_raw_mode_when_the_board_has_no_raw_paste():
    with VirtualCamera(raw_paste=False) as camera, SerialTransport(camera.path) as link:
        link.enter_raw_repl()
        assert link.exec(LONG_PROGRAM, CASE_TIMEOUT) == (b"3000\n", b"")
        assert not link.use_raw_paste
        assert link.exec("print('again')", CASE_TIMEOUT) == (b"again\n", b"")


def test_code_with_repl_control_bytes_is_refused(transport):
    with pytest.raises(ValueError):
        transport.start("print('\x04')")


def test_a_board_behind_a_socket_url(camera):
    bridge = TcpBridge(camera.path)
    try:
        with SerialTransport(bridge.url) as link:
            link.enter_raw_repl()
            assert link.exec("print('over tcp')", CASE_TIMEOUT) == (b"over tcp\n", b"")
    finally:
        bridge.close()
