"""The virtual camera as a whole board for mpremote: its identity from the profile, its flash
(fs ls/cp/cat/rm/mkdir, files a script opens and imports), a folder mounted from the host,
scripts run from the host, the REPL, soft and hard resets with boot.py and main.py, mip
installing from a package index, and scripts kept inside the flash. Driven by mpremote itself,
as a user drives a camera."""

import hashlib
import http.server
import os
import threading
import time

import mpsock
import pytest
from mpsock.firmware_shim.virtual_camera import VirtualCamera
from shim_test_support import EXPECT_TIMEOUT, MpremoteRepl, PackageIndex, mpremote

pytestmark = pytest.mark.timeout(120)

LIBS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "bindings",
    "tests",
    "camera_libs",
)


def ok(result):
    assert result.returncode == 0, "mpremote failed:\n%s\n%s" % (result.stdout, result.stderr)
    return result.stdout.replace("\r\n", "\n")


def profile(name):
    return next(p for p in mpsock.profiles() if p["name"] == name)


def wait_for(condition, timeout=EXPECT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def flash(tmp_path):
    folder = tmp_path / "flash"
    folder.mkdir()
    return folder


@pytest.fixture
def board(flash):
    with VirtualCamera(flash_dir=str(flash)) as camera:
        yield camera


@pytest.mark.parametrize("name", ["openmv-rt1062", "stm32-generic"])
def test_the_boards_identity_and_files_are_the_profiles(flash, name):
    facts = profile(name)
    with VirtualCamera(name, flash_dir=str(flash)) as camera:
        out = ok(
            mpremote(
                camera.path,
                "exec",
                "import os, sys\n"
                "u = os.uname()\n"
                "print(u.sysname, '|', u.machine, '|', sys.platform, '|', sys.implementation.name)\n"
                "print(sys.implementation._machine)\n"
                "print(sys.path)\n"
                "print(os.getcwd())",
            )
        )
    assert out.splitlines() == [
        "%s | %s | %s | micropython" % (facts["platform"], facts["machine"], facts["platform"]),
        facts["machine"],
        str(facts["sys_path"]),
        facts["flash_mount"],
    ]


def test_fs_commands_work_on_the_flash(board, flash, tmp_path):
    script = tmp_path / "blink.py"
    script.write_bytes(
        b"# a camera script\nfor i in range(3):\n    print('blink', i)\n" + bytes(range(256)) * 0
    )
    data = tmp_path / "table.bin"
    data.write_bytes(bytes(range(256)) * 5)  # every byte value, more than one 256-byte chunk

    assert ok(mpremote(board.path, "fs", "mkdir", ":lib")) == "mkdir :lib\n"
    ok(mpremote(board.path, "fs", "cp", str(script), ":lib/", "+", "fs", "cp", str(data), ":table.bin"))
    assert (flash / "lib" / "blink.py").read_bytes() == script.read_bytes()
    assert (flash / "table.bin").read_bytes() == data.read_bytes()

    listing = ok(mpremote(board.path, "fs", "ls"))
    assert listing.splitlines() == ["ls :", "           0 lib/", "        1280 table.bin"]
    assert ok(mpremote(board.path, "fs", "ls", ":lib")).splitlines()[1].split() == [
        str(len(script.read_bytes())),
        "blink.py",
    ]
    assert ok(mpremote(board.path, "fs", "cat", ":lib/blink.py")) == script.read_text()

    back = tmp_path / "back.bin"
    ok(mpremote(board.path, "fs", "cp", ":table.bin", str(back)))
    assert back.read_bytes() == data.read_bytes()
    digest = ok(mpremote(board.path, "fs", "sha256sum", ":table.bin")).splitlines()[-1]
    assert digest == hashlib.sha256(data.read_bytes()).hexdigest()

    ok(mpremote(board.path, "fs", "touch", ":empty.txt"))
    assert (flash / "empty.txt").read_bytes() == b""
    ok(mpremote(board.path, "fs", "rm", ":empty.txt"))
    assert not (flash / "empty.txt").exists()

    refused = mpremote(board.path, "fs", "rmdir", ":lib")  # FAT: not while it has files
    assert refused.returncode == 1 and "Permission denied" in refused.stdout + refused.stderr
    missing = mpremote(board.path, "fs", "cat", ":nothing.py")
    assert missing.returncode == 1 and "No such file or directory" in missing.stdout + missing.stderr

    ok(mpremote(board.path, "fs", "rm", "-r", ":lib"))
    assert sorted(os.listdir(flash)) == ["table.bin"]

    df = ok(mpremote(board.path, "df")).splitlines()
    assert df[0].split() == ["filesystem", "size", "used", "avail", "use%", "mounted", "on"]
    assert df[1].startswith("<VfsFlash>") and df[1].endswith(" /")


def test_a_library_copied_to_lib_is_imported_as_on_the_camera(board, flash, tmp_path):
    package = tmp_path / "sensorkit"
    package.mkdir()
    (package / "__init__.py").write_text("from .units import celsius\nNAME = 'sensorkit'\n")
    (package / "units.py").write_text(
        "OFFSET = const(273)\ndef celsius(kelvin):\n    return kelvin - OFFSET\n"
    )
    ok(mpremote(board.path, "fs", "mkdir", ":lib", "+", "fs", "cp", "-r", str(package), ":lib/"))
    assert sorted(os.listdir(flash / "lib" / "sensorkit")) == ["__init__.py", "units.py"]

    out = ok(
        mpremote(
            board.path,
            "exec",
            "import sensorkit\nfrom sensorkit import units\n"
            "print(sensorkit.NAME, sensorkit.celsius(300), units.__file__)",
        )
    )
    assert out == "sensorkit 27 /lib/sensorkit/units.py\n"

    # A module beside the running one shadows a frozen module; one in /lib does not ('' comes
    # before '.frozen' in sys.path, '/lib' after).
    (flash / "lib" / "asyncio.py").write_text("NAME = 'copy in lib'\n")
    (flash / "mqtt.py").write_text("NAME = 'copy beside'\n")
    out = ok(mpremote(board.path, "exec", "import asyncio, mqtt\nprint(hasattr(asyncio, 'run'), mqtt.NAME)"))
    assert out == "True copy beside\n"


def test_a_script_run_from_the_host_uses_a_library_on_the_flash(board, flash, tmp_path):
    # An HTTP client library on the flash, a script run by `mpremote run`, a native server.
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"temperature": 21.5}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ok(
            mpremote(
                board.path, "fs", "mkdir", ":lib", "+", "fs", "cp", os.path.join(LIBS, "minireq.py"), ":lib/"
            )
        )
        script = tmp_path / "report.py"
        script.write_text(
            "import minireq\n"
            "r = minireq.get('http://127.0.0.1:%d/reading')\n"
            "reading = r.json()\n"
            "with open('last_reading.txt', 'w') as f:\n"
            "    f.write('%%s\\n' %% reading['temperature'])\n"
            "print('temperature', reading['temperature'])\n" % server.server_address[1]
        )
        assert ok(mpremote(board.path, "run", str(script))) == "temperature 21.5\n"
        assert (flash / "last_reading.txt").read_text() == "21.5\n"
    finally:
        server.shutdown()
        server.server_close()


def test_mount_gives_the_board_a_host_folder(board, flash, tmp_path):
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "config.py").write_text("PORT = 8080\n")
    (project / "app" / "__init__.py").write_text(
        "from config import PORT\ndef describe():\n    return 'app on %d' % PORT\n"
    )
    (project / "notes.txt").write_text("first\nsecond\n")
    (flash / "main.py").write_text("# on the flash\n")

    out = ok(
        mpremote(
            board.path,
            "mount",
            str(project),
            "exec",
            "import os, app\n"
            "print(os.getcwd(), sorted(os.listdir()))\n"
            "print(app.describe())\n"
            "print(open('notes.txt').readlines())\n"
            "with open('made_on_board.txt', 'w') as f:\n"
            "    f.write('from the camera')\n"
            "os.mkdir('logs')\n"
            "print(sorted(os.listdir('/')))\n",
        )
    )
    assert out.splitlines()[1:] == [
        "/remote ['app', 'config.py', 'notes.txt']",
        "app on 8080",
        "['first\\n', 'second\\n']",
        "['main.py', 'remote']",
    ]
    assert (project / "made_on_board.txt").read_text() == "from the camera"
    assert (project / "logs").is_dir()
    # mpremote unmounts at its end: the board is back on its flash.
    out = ok(mpremote(board.path, "exec", "import os\nprint(os.getcwd(), os.listdir('/'))"))
    assert out == "/ ['main.py']\n"


def test_a_mounted_folder_comes_back_after_a_soft_reset_at_the_repl(board, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "blink.py").write_text("def rate():\n    return 'blink at 2 Hz'\n")
    repl = MpremoteRepl(board.path, "mount", str(project))
    try:
        repl.wait_ready()
        repl.send(b"import blink; blink.rate()\r")
        repl.expect(b"'blink at 2 Hz'\r\n>>> ")
        repl.send(b"\x04")  # mpremote sees the soft reboot and mounts the folder again
        repl.expect(b"MPY: soft reboot")
        repl.expect(b"Remount local directory")
        repl.expect(b">>> ")
        repl.send(b"import os; os.getcwd(), 'blink' in globals()\r")
        repl.expect(b"('/remote', False)\r\n>>> ")
    finally:
        assert repl.close() == 0


def test_boot_py_runs_at_every_soft_reset(board, flash, tmp_path):
    (flash / "boot.py").write_text(
        "with open('boots.txt', 'a') as f:\n    f.write('boot\\n')\nbooted = 'yes'\nprint('boot.py ran')\n"
    )
    ok(mpremote(board.path, "soft-reset"))
    assert (flash / "boots.txt").read_text() == "boot\n"
    # The boot's globals are the REPL's; `resume` does not reset.
    assert ok(mpremote(board.path, "resume", "exec", "print(booted)")) == "yes\n"
    assert (flash / "boots.txt").read_text() == "boot\n"
    assert ok(mpremote(board.path, "exec", "print(booted)")) == "yes\n"  # a fresh connection resets
    assert (flash / "boots.txt").read_text() == "boot\nboot\n"


def test_main_py_runs_at_power_on_and_mpremote_interrupts_it(flash):
    # The usual camera: main.py loops forever; mpremote stops it with Ctrl-C to get a prompt.
    (flash / "main.py").write_text(
        "import time\n"
        "with open('runs.txt', 'a') as f:\n"
        "    f.write('main\\n')\n"
        "while True:\n"
        "    time.sleep_ms(20)\n"
    )
    runs = flash / "runs.txt"
    with VirtualCamera(flash_dir=str(flash)) as camera:
        wait_for(runs.exists)
        assert ok(mpremote(camera.path, "exec", "print('at the prompt')")) == "at the prompt\n"
        # On OpenMV's boards a soft reset does not run main.py again; a hard reset does.
        assert runs.read_text() == "main\n"
        ok(mpremote(camera.path, "reset"))
        wait_for(lambda: runs.read_text() == "main\nmain\n")
        assert ok(mpremote(camera.path, "exec", "print('back')")) == "back\n"


def test_the_repl_and_a_soft_reset_from_it(flash):
    (flash / "main.py").write_text("print('main.py says hello')\n")
    with VirtualCamera("stm32-generic", flash_dir=str(flash)) as camera:
        repl = MpremoteRepl(camera.path)
        try:
            repl.wait_ready()
            repl.send(b"\r")
            repl.expect(b">>> ")
            repl.send(b"import sys; sys.platform\r")
            repl.expect(b"'pyboard'\r\n>>> ")
            repl.send(b"for i in range(2):\r")
            repl.expect(b"... ")
            repl.send(b"    print(i * 10)\r\r")
            repl.expect(b"0\r\n10\r\n>>> ")
            # Ctrl-D: MicroPython's stm32 port runs main.py again at a soft reset into this REPL.
            repl.send(b"\x04")
            repl.expect(b"MPY: soft reboot\r\n")
            repl.expect(b"main.py says hello\r\n")
            repl.expect(b">>> ")
        finally:
            assert repl.close() == 0


def test_a_soft_reset_at_openmvs_repl_does_not_run_main_py(board, flash):
    (flash / "main.py").write_text("print('main.py says hello')\n")  # written after power-on
    repl = MpremoteRepl(board.path)
    try:
        repl.wait_ready()
        repl.send(b"\x04")
        seen = repl.expect(b">>> ")
        assert b"MPY: soft reboot" in seen and b"main.py says hello" not in seen
        repl.send(b"print('still here')\r")
        repl.expect(b"still here\r\n>>> ")
    finally:
        assert repl.close() == 0


@pytest.fixture
def index(tmp_path):
    served = PackageIndex(tmp_path / "index")
    greeter = b"from textutil import shout\ndef greet(name):\n    return shout('hello ' + name)\n"
    served.add("greeter", {"greeter/__init__.py": greeter}, deps=[("textutil", "latest")])
    served.add("textutil", {"textutil.py": b"def shout(text):\n    return text.upper() + '!'\n"})
    # What the index gives a board that runs compiled modules (mpremote asks for the board's
    # sys.implementation._mpy): bytecode mpsock cannot run.
    served.add("textutil", {"textutil.mpy": b"M\x06\x00\x1f" + bytes(60)}, mpy=6)
    yield served
    served.close()


def test_mip_installs_source_packages_from_an_index(board, flash, index):
    out = ok(mpremote(board.path, "mip", "install", "--index", index.url, "--no-mpy", "greeter"))
    assert "Installing: /lib/greeter/__init__.py" in out and "Installing: /lib/textutil.py" in out
    assert (flash / "lib" / "textutil.py").is_file()
    assert (
        ok(mpremote(board.path, "exec", "import greeter\nprint(greeter.greet('camera'))"))
        == "HELLO CAMERA!\n"
    )


def test_mip_compiled_packages_install_but_do_not_import(board, flash, index):
    ok(mpremote(board.path, "mip", "install", "--index", index.url, "textutil"))
    assert (flash / "lib" / "textutil.mpy").is_file()
    result = mpremote(board.path, "exec", "import textutil")
    assert result.returncode == 1
    assert "/lib/textutil.mpy is compiled MicroPython bytecode" in result.stdout
    assert "--no-mpy" in result.stdout


def test_scripts_stay_inside_the_flash(board, flash, tmp_path):
    outside = tmp_path / "host_secrets"
    outside.mkdir()
    (outside / "key.txt").write_text("host only")
    os.symlink(outside, flash / "shortcut")
    os.symlink(outside / "key.txt", flash / "key.txt")
    (flash / "data.txt").write_text("on the flash")

    out = ok(
        mpremote(
            board.path,
            "exec",
            "import os\n"
            "def attempt(call, *args):\n"
            "    try:\n"
            "        call(*args)\n"
            "        return 'allowed'\n"
            "    except OSError as e:\n"
            "        return e.errno\n"
            "print(attempt(open, '../host_secrets/key.txt'))\n"
            "print(attempt(open, '/../../host_secrets/key.txt'))\n"
            "print(attempt(open, %r))\n"
            "print(attempt(open, 'key.txt'))\n"
            "print(attempt(os.listdir, 'shortcut'))\n"
            "print(attempt(open, 'shortcut/new.txt', 'w'))\n"
            "os.chdir('..'); os.chdir('../..')\n"
            "print(os.getcwd(), sorted(os.listdir()))\n"
            "print(open('../../data.txt').read())\n" % str(outside / "key.txt"),
        )
    )
    assert out.splitlines() == ["2", "2", "2", "1", "1", "1", "/ ['data.txt']", "on the flash"]
    assert sorted(os.listdir(outside)) == ["key.txt"]


def test_a_camera_script_saves_and_loads_pictures_on_the_flash(board, flash, tmp_path):
    (flash / "pictures").mkdir()
    escape = tmp_path / "escaped.jpg"
    out = ok(
        mpremote(
            board.path,
            "exec",
            "import csi, image, os\n"
            "cam = csi.CSI()\n"
            "cam.reset()\n"
            "cam.pixformat(csi.RGB565)\n"
            "cam.framesize(csi.QVGA)\n"
            "img = cam.snapshot()\n"
            "img.save('pictures/shot.jpg', quality=80)\n"
            "img.save('/pictures/shot.png')\n"
            "back = image.Image('pictures/shot.jpg')\n"
            "print(back.width(), back.height(), os.listdir('pictures'))\n"
            "try:\n"
            "    img.save(%r)\n"
            "except OSError as e:\n"
            "    print('outside:', e.errno)\n" % str(escape),
        )
    )
    assert out.splitlines() == ["320 240 ['shot.jpg', 'shot.png']", "outside: 2"]
    assert (flash / "pictures" / "shot.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert (flash / "pictures" / "shot.png").read_bytes()[:4] == b"\x89PNG"
    assert not escape.exists()
