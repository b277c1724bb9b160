"""MicroPython's REPL protocol over a serial line, as both ends here speak it: the host-side
transport and the virtual camera. One place for the control bytes and the exact texts the
firmware prints (MicroPython's shared/runtime/pyexec.c and the ports' main.c).

Raw REPL, in short:

    host: Ctrl-A                      board: "raw REPL; CTRL-B to exit\\r\\n>"
    host: CODE Ctrl-D                 board: "OK" STDOUT \\x04 ERROR-OUTPUT \\x04 ">"
    host: Ctrl-D (empty command)      board: "OK\\r\\nMPY: soft reboot\\r\\n" then the raw banner
    host: Ctrl-B                      board: "\\r\\n", the friendly banner and ">>> "

Raw-paste mode (same prompt): the host sends Ctrl-E "A" Ctrl-A; a board that has it answers
"R\\x01", then the flow-control window as 2 bytes little-endian, then \\x01 (one more window
free). The host sends at most a window of code per \\x01 it has received, then Ctrl-D; the
board acknowledges with \\x04, runs the code and answers STDOUT \\x04 ERROR-OUTPUT \\x04 ">" as
above (no "OK"). A board that knows the command but refuses it answers "R\\x00"; an older
board takes the bytes as code and Ctrl-A as "restart raw REPL", printing the raw banner.
A board that sends \\x04 while code is still arriving stops reading it; the host answers \\x04.

Output on a board goes through MicroPython's "cooked" stdout, which sends every \\n as \\r\\n;
`uncook` undoes that, so the host sees what the program printed.
"""

import re

CTRL_A = b"\x01"  # raw REPL
CTRL_B = b"\x02"  # friendly REPL
CTRL_C = b"\x03"  # interrupt
CTRL_D = b"\x04"  # end of command / soft reset / end-of-output marker
CTRL_E = b"\x05"  # paste mode (friendly), raw-paste request prefix (raw)

RAW_REPL_BANNER = b"raw REPL; CTRL-B to exit\r\n"
RAW_PROMPT = b">"
FRIENDLY_PROMPT = b">>> "
CONTINUATION_PROMPT = b"... "
COMMAND_ACCEPTED = b"OK"
END_OF_OUTPUT = CTRL_D
SOFT_REBOOT_LINE = b"MPY: soft reboot\r\n"
HELP_LINE = b'Type "help()" for more information.\r\n'
PASTE_MODE_BANNER = b"paste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== "

RAW_PASTE_REQUEST = CTRL_E + b"A" + CTRL_A
RAW_PASTE_ACCEPTED = b"R\x01"
RAW_PASTE_REFUSED = b"R\x00"
RAW_PASTE_WINDOW_FREE = b"\x01"
# MicroPython's MICROPY_REPL_STDIN_BUFFER_MAX is 256; the window is half of it.
RAW_PASTE_WINDOW = 128

# The friendly banner a board prints when it boots: "MicroPython VERSION on DATE; BOARD with
# MCU". Seen while a program runs, it means the board reset under it.
BOOT_BANNER = re.compile(rb"MicroPython [^\r\n;]* on [^\r\n;]*; [^\r\n]* with [^\r\n]*\r\n")


def friendly_banner(version, date, board, mcu):
    """The banner a board prints on boot, soft reboot into the friendly REPL, and Ctrl-B."""
    first = "MicroPython %s on %s; %s with %s\r\n" % (version, date, board, mcu)
    return first.encode() + HELP_LINE


def uncook(data):
    """The program's own bytes from a board's cooked output (each \\n was sent as \\r\\n)."""
    return bytes(data).replace(b"\r\n", b"\n")
