"""`mpsock virtual-camera` and `mpsock probe-board` as a user runs them."""

import json
import os
import re
import signal
import subprocess
import sys
import time

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


# A process that starts a virtual camera and then dies without stopping it (killed, crashed):
# by the command, or through the API in its own process.
ORPHANING_PARENTS = {
    "command": """
import subprocess, sys
camera = subprocess.Popen(["mpsock", "virtual-camera"], stdout=subprocess.PIPE, text=True)
camera.stdout.readline()
print(camera.pid, flush=True)
sys.stdin.read()
""",
    "api": """
import os, sys
from mpsock.firmware_shim.virtual_camera import VirtualCamera
camera = VirtualCamera()
camera.start()
print(os.getpid(), flush=True)
sys.stdin.read()
""",
}


def _descendants(pid):
    found = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as listing:
                children = [int(child) for child in listing.read().split()]
            for child in children:
                found += [child] + _descendants(child)
    except OSError:
        pass
    return found


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", sorted(ORPHANING_PARENTS))
def test_the_virtual_camera_ends_when_its_parent_goes_away(how):
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHANING_PARENTS[how]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    left = []
    try:
        camera = int(parent.stdout.readline())
        left = ([camera] if camera != parent.pid else []) + _descendants(camera)
        assert any("interpreter_main" in open("/proc/%d/cmdline" % pid).read() for pid in left)
        parent.kill()
        parent.wait(COMMAND_TIMEOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in left):
            # An interpreter the camera starts meanwhile must end too.
            left += [pid for pid in _descendants(camera) if pid not in left]
            time.sleep(0.1)
        assert [pid for pid in left if _alive(pid)] == []
    finally:
        for pid in [parent.pid] + left:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        parent.wait(COMMAND_TIMEOUT)
