"""Polling a host descriptor (sys.stdin, as camera scripts poll the USB serial port) leaves it
as it was: a script that polls stdin and then reads it must get its input, and the terminal the
process shares with its shell must not be left non-blocking."""

import fcntl
import os
import subprocess
import time

# Registering once left the descriptor non-blocking (libuv's uv_poll_init sets O_NONBLOCK on
# the open file, shared with the parent's terminal): a later sys.stdin.readline() returned ''.


def non_blocking(fd):
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK)


def test_registering_a_descriptor_keeps_it_blocking(emu):
    import mpsock

    select = mpsock._mpsock.select
    read_end, write_end = os.pipe()
    pipe = os.fdopen(read_end, "rb", buffering=0, closefd=False)  # polled through its fileno()
    try:
        poller = select.poll()
        poller.register(pipe, select.POLLIN)
        assert poller.poll(0) == []
        os.write(write_end, b"x")
        assert poller.poll(1000) == [(pipe, select.POLLIN)]
        poller.unregister(pipe)
        del poller
        assert not non_blocking(read_end)
    finally:
        pipe.close()
        os.close(read_end)
        os.close(write_end)


def test_a_script_reads_stdin_after_polling_it(script):
    path = script(
        "import select, sys\n"
        "p = select.poll()\n"
        "p.register(sys.stdin, select.POLLIN)\n"
        "p.poll(0)\n"
        "p.unregister(sys.stdin)\n"
        "print('ready', flush=True)\n"
        "print('got', repr(sys.stdin.readline()))\n"
    )
    process = subprocess.Popen(
        ["mpsock", "run", path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline() == "ready\n"
        time.sleep(0.3)  # the script is in readline before the line comes
        stdout, stderr = process.communicate("hello\n", timeout=10)
    finally:
        process.kill()
        process.wait()
    assert stdout == "got 'hello\\n'\n", stderr
