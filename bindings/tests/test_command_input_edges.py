"""`mpsock run` and `mpsock-micropython` given what they cannot run: a missing file, a folder,
a syntax error, null bytes, a camera-only module. Each ends with a clear message, a non-zero
status, and no traceback through mpsock's own code. (test_commands covers `mpsock run` with a
missing file, a syntax error and `import lcd`.)"""

import re
import subprocess

import pytest

COMMANDS = {"run": ("mpsock", "run"), "micropython": ("mpsock-micropython",)}


def run(command, *args):
    return subprocess.run(COMMANDS[command] + args, capture_output=True, text=True, timeout=60)


def assert_no_mpsock_frames(stderr):
    assert not re.search(r'File "[^"]*/mpsock/', stderr), stderr
    assert "bindings/mpsock" not in stderr, stderr


def test_micropython_missing_file_is_named(tmp_path):
    result = run("micropython", str(tmp_path / "nope.py"))
    assert result.returncode == 2
    assert "can't open file" in result.stderr and "nope.py" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_folder_is_not_a_script(command, tmp_path):
    result = run(command, str(tmp_path))
    assert result.returncode == 2
    assert "can't open file" in result.stderr
    assert "Traceback" not in result.stderr


def test_micropython_syntax_error(script):
    result = run("micropython", script("def broken(:\n"))
    assert result.returncode == 1
    assert "SyntaxError" in result.stderr.splitlines()[-1]
    assert_no_mpsock_frames(result.stderr)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_syntax_error_in_a_module_the_script_imports(command, script):
    script("x = (\n", name="helper.py")
    result = run(command, script("import helper\n"))
    assert result.returncode == 1
    assert "SyntaxError" in result.stderr and "helper.py" in result.stderr
    assert_no_mpsock_frames(result.stderr)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_null_bytes_in_a_script(command, tmp_path):
    path = tmp_path / "binary.py"
    path.write_bytes(b"\xff\xfe\x00not python")
    result = run(command, str(path))
    assert result.returncode == 1
    assert "SyntaxError" in result.stderr
    assert_no_mpsock_frames(result.stderr)


# Camera modules the board has that have no stand-in (csi, sensor, image, omv, machine have one).
CAMERA_IMPORTS = [
    ("gif", "import gif\n"),
    ("tv", "from tv import channel\n"),
    ("mjpeg", "import mjpeg\n"),
    ("display", "import display as screen\n"),
    ("audio", "def listen():\n    import audio\nlisten()\n"),
    ("fir", "__import__('fir')\n"),
]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    "module,source", CAMERA_IMPORTS, ids=[source.split("\n")[0] for _, source in CAMERA_IMPORTS]
)
def test_camera_only_module_is_named_with_what_mpsock_emulates(command, module, source, script):
    if command == "run" and source == "import lcd\n":
        pytest.skip("in test_commands")
    result = run(command, script(source))
    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: ")
    assert "'%s' is a camera module" % module in last
    assert "it emulates socket, select" in last
    assert_no_mpsock_frames(result.stderr)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_camera_hardware_class_is_named(command, script):
    result = run(command, script("from machine import Pin\n"))
    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("ImportError: mpsock: machine.Pin is camera hardware"), last
    assert_no_mpsock_frames(result.stderr)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("source,name", [("import machine.pin\n", "machine.pin"), ("import pyb as board\n", "pyb")])
def test_a_module_the_board_lacks_fails_as_on_the_board(command, source, name, script):
    # The RT1062 is no pyboard, and MicroPython's modules have no submodules.
    result = run(command, script(source))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "ImportError: no module named '%s'" % name
    assert_no_mpsock_frames(result.stderr)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_camera_only_module_imported_by_a_helper_module(command, script):
    script("import fir\n", name="screen.py")
    result = run(command, script("import screen\n"))
    assert result.returncode == 1
    assert "'fir' is a camera module" in result.stderr.splitlines()[-1]
    assert "screen.py" in result.stderr
    assert_no_mpsock_frames(result.stderr)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_script_can_catch_the_missing_camera_module(command, script):
    result = run(command, script("try:\n    import lcd\nexcept ImportError:\n    print('no screen')\n"))
    assert (result.returncode, result.stdout) == (0, "no screen\n"), result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_stand_in_beside_the_script_is_used(command, script):
    script("def width():\n    return 'stand-in screen'\n", name="lcd.py")
    result = run(command, script("import lcd\nprint(lcd.width())\n"))
    assert (result.returncode, result.stdout) == (0, "stand-in screen\n"), result.stderr


@pytest.mark.parametrize("args", [(), ("--no-such-option", "x.py"), ("--profile",)])
def test_bad_command_lines_are_usage_errors(args):
    result = run("run", *args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_micropython_dash_c_without_code_is_a_usage_error():
    result = run("micropython", "-c")
    assert result.returncode != 0
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr
