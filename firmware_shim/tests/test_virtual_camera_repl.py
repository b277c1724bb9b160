"""The virtual camera's REPL byte by byte, as a terminal (or mpremote) sees it: the pty's
permissions, the friendly REPL, the raw REPL and its raw-paste handshake, Ctrl-C, Ctrl-D."""

import os
import stat
import struct

import pytest
from mpsock.firmware_shim import repl_protocol as rp
from mpsock.firmware_shim.virtual_camera import VirtualCamera
from shim_test_support import Terminal

pytestmark = pytest.mark.timeout(60)


def test_pty_is_the_owners_only(camera):
    assert camera.path.startswith("/dev/")
    assert stat.S_IMODE(os.stat(camera.path).st_mode) == 0o600
    assert os.stat(camera.path).st_uid == os.getuid()


def test_ctrl_b_prints_the_banner_and_the_friendly_prompt(terminal):
    # The banner printed at boot went before the port was opened (pyserial flushes input).
    terminal.send(rp.CTRL_B)
    seen = terminal.expect(rp.FRIENDLY_PROMPT)
    assert rp.BOOT_BANNER.search(seen)
    assert rp.HELP_LINE in seen


def test_friendly_repl_echoes_and_prints_expression_values(terminal):
    terminal.prompt()
    terminal.send(b"6 * 7\r")
    assert terminal.expect(rp.FRIENDLY_PROMPT) == b"6 * 7\r\n42\r\n>>> "


def test_friendly_repl_continues_compound_statements(terminal):
    terminal.prompt()
    terminal.send(b"for i in range(2):\r")
    terminal.expect(rp.CONTINUATION_PROMPT)
    terminal.send(b"    print('line', i)\r")
    terminal.expect(rp.CONTINUATION_PROMPT)
    terminal.send(b"\r")
    assert terminal.expect(rp.FRIENDLY_PROMPT).endswith(b"line 0\r\nline 1\r\n>>> ")


def test_friendly_repl_prints_tracebacks(terminal):
    terminal.prompt()
    terminal.send(b"1/0\r")
    seen = terminal.expect(rp.FRIENDLY_PROMPT)
    assert (
        b'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nZeroDivisionError'
        in seen
    )


def test_ctrl_d_soft_reboots_with_the_firmwares_line(terminal):
    terminal.prompt()
    terminal.send(b"kept = 1\r")
    terminal.expect(rp.FRIENDLY_PROMPT)
    terminal.send(rp.CTRL_D)
    seen = terminal.expect(rp.FRIENDLY_PROMPT)
    assert seen.startswith(b"\r\n" + rp.SOFT_REBOOT_LINE) and rp.BOOT_BANNER.search(seen)
    terminal.send(b"kept\r")
    assert b"NameError" in terminal.expect(rp.FRIENDLY_PROMPT)


def test_ctrl_c_interrupts_a_blocked_socket_call_at_the_friendly_repl(terminal):
    terminal.prompt()
    terminal.send(
        b"import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))\r"
    )
    terminal.expect(rp.FRIENDLY_PROMPT)
    terminal.send(b"s.recv(10)\r")
    terminal.expect(b"s.recv(10)\r\n")
    terminal.send(rp.CTRL_C)
    assert terminal.expect(rp.FRIENDLY_PROMPT).endswith(b"KeyboardInterrupt: \r\n>>> ")


def test_ctrl_a_raw_repl_and_ctrl_b_back(terminal):
    terminal.prompt()
    terminal.send(rp.CTRL_A)
    assert terminal.expect(rp.RAW_PROMPT) == b"\r\n" + rp.RAW_REPL_BANNER + rp.RAW_PROMPT
    terminal.send(b"print('raw')" + rp.CTRL_D)
    assert terminal.expect(rp.RAW_PROMPT) == b"OKraw\r\n\x04\x04>"
    terminal.send(rp.CTRL_B)
    seen = terminal.expect(rp.FRIENDLY_PROMPT)
    assert seen.startswith(b"\r\n") and rp.BOOT_BANNER.search(seen)


def test_raw_repl_soft_reset_stays_in_the_raw_repl(terminal):
    terminal.prompt()
    terminal.send(rp.CTRL_A)
    terminal.expect(rp.RAW_PROMPT)
    terminal.send(rp.CTRL_D)
    assert (
        terminal.expect(rp.RAW_PROMPT) == b"OK\r\n" + rp.SOFT_REBOOT_LINE + rp.RAW_REPL_BANNER + rp.RAW_PROMPT
    )


def test_raw_paste_handshake_and_flow_control(terminal):
    terminal.prompt()
    terminal.send(rp.CTRL_A)
    terminal.expect(rp.RAW_PROMPT)
    terminal.send(rp.RAW_PASTE_REQUEST)
    header = rp.RAW_PASTE_ACCEPTED + struct.pack("<H", rp.RAW_PASTE_WINDOW) + rp.RAW_PASTE_WINDOW_FREE
    assert terminal.expect(header) == header
    # Less than two windows: the board grants one more window after the first, no more.
    length = rp.RAW_PASTE_WINDOW * 2 - 22
    code = b"x = '" + b"a" * length + b"'\nprint(len(x))\n"
    assert rp.RAW_PASTE_WINDOW < len(code) < 2 * rp.RAW_PASTE_WINDOW
    terminal.send(code[: rp.RAW_PASTE_WINDOW])
    assert terminal.expect(rp.RAW_PASTE_WINDOW_FREE) == rp.RAW_PASTE_WINDOW_FREE  # one more window
    terminal.send(code[rp.RAW_PASTE_WINDOW :] + rp.CTRL_D)
    assert terminal.expect(rp.RAW_PROMPT) == b"\x04" + b"%d\r\n\x04\x04>" % length


def test_firmware_without_raw_paste_takes_the_request_as_a_raw_repl_restart():
    with VirtualCamera(raw_paste=False) as camera:
        terminal = Terminal(camera.path)
        try:
            terminal.prompt()
            terminal.send(rp.CTRL_A)
            terminal.expect(rp.RAW_PROMPT)
            terminal.send(rp.RAW_PASTE_REQUEST)
            assert terminal.expect(rp.RAW_PROMPT) == rp.RAW_REPL_BANNER + rp.RAW_PROMPT
        finally:
            terminal.close()


def test_reset_board_prints_the_boot_banner(camera, terminal):
    terminal.prompt()
    camera.reset_board()
    seen = terminal.expect(rp.FRIENDLY_PROMPT)
    assert rp.BOOT_BANNER.search(seen) and rp.SOFT_REBOOT_LINE not in seen


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown profile"):
        VirtualCamera("no-such-board")
