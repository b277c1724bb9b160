"""mpremote, MicroPython's own host tool, drives the virtual camera as it drives a board."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(90)

MPREMOTE_TIMEOUT = 60


def mpremote(port, *args):
    return subprocess.run(
        [sys.executable, "-m", "mpremote", "connect", port, *args],
        capture_output=True,
        text=True,
        timeout=MPREMOTE_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def test_mpremote_exec(camera):
    result = mpremote(camera.path, "exec", "import socket\nprint(socket.getaddrinfo('127.0.0.1', 80)[0][-1])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace("\r\n", "\n") == "('127.0.0.1', 80)\n"


def test_mpremote_run_file(camera, tmp_path):
    script = tmp_path / "camera_script.py"
    script.write_text(
        "import socket, errno\nfor i in range(2):\n    print('tick', i)\nprint(errno.ETIMEDOUT)\n"
    )
    result = mpremote(camera.path, "run", str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace("\r\n", "\n") == "tick 0\ntick 1\n110\n"


def test_mpremote_reports_the_programs_traceback(camera):
    result = mpremote(camera.path, "exec", "import socket\ns = socket.socket()\ns.settimeout(0)\ns.accept()")
    assert result.returncode == 1
    assert result.stdout.replace("\r\n", "\n").endswith(
        'File "<stdin>", line 4, in <module>\nOSError: [Errno 22] EINVAL\n'
    )


def test_mpremote_soft_resets_between_connections(camera):
    assert mpremote(camera.path, "exec", "left_behind = 1").returncode == 0
    result = mpremote(camera.path, "exec", "print('left_behind' in globals())")
    assert result.stdout.strip() == "False"
