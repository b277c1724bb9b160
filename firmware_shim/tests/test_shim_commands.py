"""`mpsock virtual-camera` and `mpsock probe-board` as a user runs them."""

import json
import os
import re
import signal
import subprocess

import pytest
from mpsock.firmware_shim.transport import SerialTransport

pytestmark = pytest.mark.timeout(60)

COMMAND_TIMEOUT = 30
PTY_LINE = re.compile(r"^char device redirected to (/dev/pts/\d+) \(label serial0\)$")


@pytest.fixture
def served_camera(tmp_path):
    """`mpsock virtual-camera` running; yields (process, pty path, link path)."""
    link = str(tmp_path / "camera-port")
    process = subprocess.Popen(
        ["mpsock", "virtual-camera", "--profile", "openmv-ae3", "--link", link],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()  # the command prints it once the pty is up
        match = PTY_LINE.match(line)
        assert match, "unexpected first line %r (stderr: %r)" % (
            line,
            process.stderr.read() if process.poll() is not None else "",
        )
        yield process, match.group(1), link
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(COMMAND_TIMEOUT)
        process.stdout.close()
        process.stderr.close()


def test_virtual_camera_command_serves_its_pty_until_terminated(served_camera):
    process, path, link = served_camera
    assert os.path.realpath(link) == path
    with SerialTransport(link) as transport:
        transport.enter_raw_repl()
        assert transport.exec("import mpsock\nprint(mpsock.current_profile()['name'])", 10) == (
            b"openmv-ae3\n",
            b"",
        )
    process.send_signal(signal.SIGTERM)
    assert process.wait(COMMAND_TIMEOUT) == 0
    assert not os.path.lexists(link)


def test_probe_board_prints_the_facts_as_json(served_camera):
    _, path, _ = served_camera
    result = subprocess.run(
        ["mpsock", "probe-board", path], capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["board"]["emulator"]["profile"] == "openmv-ae3"


def test_probe_board_on_an_absent_port_says_so(tmp_path):
    missing = str(tmp_path / "ttyACM7")
    result = subprocess.run(
        ["mpsock", "probe-board", missing], capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    assert result.returncode == 1
    assert missing in result.stderr and "not found" in result.stderr


def test_virtual_camera_refuses_an_unknown_profile():
    result = subprocess.run(
        ["mpsock", "virtual-camera", "--profile", "no-such-board"],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert result.returncode == 2 and "unknown profile" in result.stderr
