"""MicroPython's looser Python in the script and its own modules: each difference from CPython
that camera scripts and the libraries they carry rely on, run through the installed commands."""

import calendar
import os
import subprocess
import sys
import time
import types

import mpsock
import pytest

COMMANDS = ("run", "micropython")


def run(run_mpsock, run_micropython, command, path, *args, env=None):
    if command == "run":
        return run_mpsock("run", path, *args, env=env)
    return run_micropython(path, *args, env=env)


@pytest.fixture(params=COMMANDS)
def runs(request, run_mpsock, run_micropython, script):
    """Runs a script's text under `mpsock run` or `mpsock-micropython`; checks it ended well."""

    def go(text, *args, env=None, ok=True, name="script.py"):
        result = run(run_mpsock, run_micropython, request.param, script(text, name=name), *args, env=env)
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return go


# The expected lines are what MicroPython's unix port (1.29) prints for the same source.
def test_bytes_percent_formats_str_as_micropython_does(runs):
    result = runs(
        "method, path = 'GET', 'index.html'\n"
        "fmt = b'%s /%s HTTP/1.0'\n"
        "print(b'%s /%s HTTP/1.0' % (method, path))\n"
        "print(fmt % (method, path))\n"
        "print(b'Host: %s' % 'example.lan')\n"
        "print(b'%s|%d|%x|%r' % (b'raw', 42, 255, 'q'))\n"  # bytes under %s: its bytes, as MicroPython
        "print(b'%s /%s' % (b'GET', b'x'))\n"
        "print(b'%(a)s=%(b)d' % {'a': 'k', 'b': 7})\n"
        "print(b'%(a)s' % {'a': b'raw'}, b'%s' % b'\\xff')\n"
        "print(b'%r' % b'x', b'%s' % bytearray(b'ab'))\n"
        "print(b'\\xff%s' % '\\u00e9')\n"
        "print(7 % 3, 'x%sy' % 1, -7 % 3)\n"
        "a = b'<%s>'\n"
        "print((b'%%s%s' % 'x') % 'in', b'[%s]' % (a % 'y'), [b'%d' % i for i in range(2)])\n"
    )
    assert result.stdout.splitlines() == [
        "b'GET /index.html HTTP/1.0'",
        "b'GET /index.html HTTP/1.0'",
        "b'Host: example.lan'",
        "b\"raw|42|ff|'q'\"",
        "b'GET /x'",
        "b'k=7'",
        "b'raw' b'\\xff'",
        "b\"b'x'\" b\"bytearray(b'ab')\"",
        "b'\\xff\\xc3\\xa9'",
        "1 x1y 2",
        "b'inx' b'[<y>]' [b'0', b'1']",
    ]


def test_hashlib_takes_str_and_has_the_boards_methods(runs):
    result = runs(
        "import hashlib, ubinascii\n"
        "h = hashlib.sha256('abc')\n"
        "h.update(b'def')\n"
        "print(ubinascii.hexlify(h.digest()).decode(), hasattr(h, 'hexdigest'))\n"
        "print(ubinascii.hexlify(hashlib.sha1(b'x').digest(), ':')[:8])\n"
    )
    expected = __import__("hashlib").sha256(b"abcdef").hexdigest()
    assert result.stdout.splitlines() == [expected + " False", "b'11:f6:ad'"]


def test_const_in_every_user_module_and_micropython_decorators(runs, script):
    script(
        "_PORT = const(21)\n"
        "_CHUNK = const(_PORT * 2)\n"
        "@micropython.native\n"
        "def twice(x):\n"
        "    return 2 * x\n"
        "@micropython.viper\n"
        "def thrice(x):\n"
        "    return 3 * x\n"
        "def port():\n"
        "    return _PORT, _CHUNK, twice(2), thrice(2)\n",
        name="helper.py",
    )
    result = runs(
        "import helper\n"
        "from micropython import const\n"
        "import micropython\n"
        "X = const(5)\n"
        "@micropython.native\n"
        "def f():\n"
        "    return X\n"
        "print(helper.port(), f(), micropython.const(9))\n"
    )
    assert result.stdout.strip() == "(21, 42, 4, 6) 5 9"


def test_inline_assembler_is_refused_at_compile_time(runs):
    result = runs("@micropython.asm_thumb\ndef f():\n    nop()\nprint('compiled')\n", ok=False)
    assert result.returncode == 1
    assert "compiled" not in result.stdout
    assert result.stderr.splitlines()[-1].startswith("SyntaxError: mpsock cannot run inline assembler")


def test_u_aliases_and_the_board_module_set(runs):
    result = runs(
        "import ustruct, ujson, ubinascii, uos, usys, utime, usocket, uselect, uerrno, ugc, ure\n"
        "import struct, json, socket\n"
        "print(ustruct is struct, ujson is json, usocket is socket, ujson.dumps([1]))\n"
        "for name in ('email', 'threading', 'ussl', 'os.path', 'urequests'):\n"
        "    try:\n"
        "        __import__(name)\n"
        "        print(name, 'imported')\n"
        "    except ImportError as e:\n"
        "        print(name, type(e).__name__, e.args[0])\n"
    )
    assert result.stdout.splitlines() == [
        "True True True [1]",
        "email ImportError no module named 'email'",
        "threading ImportError no module named 'threading'",
        "ussl ImportError no module named 'ussl'",  # ssl is frozen Python: no u-alias
        "os.path ImportError no module named 'os.path'",
        "urequests ImportError no module named 'urequests'",
    ]


def test_a_frozen_library_mpsock_lacks_says_so_and_a_copy_beside_the_script_wins(runs, script):
    result = runs("import requests\n", ok=False)
    last = result.stderr.splitlines()[-1]
    assert "'requests' is one of the board's frozen modules" in last
    assert "beside the script" in last
    script("def get(url):\n    return 'stand-in ' + url\n", name="requests.py")
    assert runs("import requests\nprint(requests.get('x'))\n").stdout.strip() == "stand-in x"


def test_the_board_builtins_lack_cpythons_oserror_subclasses(runs):
    result = runs(
        "names = ('TimeoutError', 'ConnectionRefusedError', 'BlockingIOError', 'ConnectionResetError',\n"
        "         'FileNotFoundError', 'ModuleNotFoundError', 'IOError', 'OSError', 'const')\n"
        "import builtins\n"
        "for name in names:\n"
        "    print(name, name in dir(builtins))\n"
    )
    assert result.stdout.splitlines() == [
        "TimeoutError False",
        "ConnectionRefusedError False",
        "BlockingIOError False",
        "ConnectionResetError False",
        "FileNotFoundError False",
        "ModuleNotFoundError False",
        "IOError False",
        "OSError True",
        "const True",
    ]


def test_catching_a_name_the_board_lacks_is_a_nameerror_as_on_the_board(runs):
    result = runs(
        "import socket\n"
        "s = socket.socket()\n"
        "try:\n"
        "    s.recv(1)\n"
        "except ConnectionRefusedError:\n"
        "    print('never')\n",
        ok=False,
    )
    assert result.stderr.splitlines()[-1] == "NameError: name 'ConnectionRefusedError' is not defined"


@pytest.mark.parametrize(
    "profile,platform,epoch",
    [("openmv-rt1062", "mimxrt", 1970), ("openmv-ae3", "alif", 2000), ("openmv-n6", "pyboard", 2000)],
)
def test_sys_os_and_time_say_which_board(runs, profile, platform, epoch):
    facts = {p["name"]: p for p in mpsock.profiles()}[profile]
    result = runs(
        "import sys, os, time\n"
        "print(sys.platform, sys.implementation.name, sys.implementation.version)\n"
        "print(sys.implementation._machine == os.uname().machine, os.uname().sysname, os.uname()[2])\n"
        "print(time.gmtime(0), time.localtime(0))\n"
        "now = time.time()\n"
        "print(type(now).__name__, now, time.mktime(time.gmtime(now)) == now)\n",
        env={"MPSOCK_PROFILE": profile},
    )
    lines = result.stdout.splitlines()
    version = tuple(int(p) for p in facts["micropython_version"].split("."))
    assert lines[0] == "%s micropython %r" % (platform, version + ("",))
    assert lines[1] == "True %s %s" % (platform, facts["micropython_version"])
    start = "(%d, 1, 1, 0, 0, 0, %d, 1)" % (epoch, calendar.weekday(epoch, 1, 1))
    assert lines[2] == "%s %s" % (start, start)
    kind, value, round_trip = lines[3].split()
    assert kind == "int" and round_trip == "True"
    offset = calendar.timegm((epoch, 1, 1, 0, 0, 0))
    assert abs(int(value) + offset - time.time()) < 5


def test_print_exception_in_micropythons_format(runs):
    result = runs(
        "import sys\n"
        "def fail():\n"
        "    raise OSError(110)\n"
        "try:\n"
        "    fail()\n"
        "except OSError as e:\n"
        "    sys.print_exception(e)\n"
        "sys.print_exception(ValueError('never raised'), sys.stderr)\n"
        "for e in (KeyError('k'), ValueError(), ValueError('a', 1), OSError(2, 'gone'), OSError(9999)):\n"
        "    sys.print_exception(e)\n"
        "try:\n"
        "    open('/no/such/file')\n"
        "except OSError as e:\n"
        "    sys.print_exception(e)\n"
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].endswith(", line 5, in <module>") and lines[2].endswith(", line 3, in fail")
    assert lines[3] == "OSError: [Errno 110] ETIMEDOUT"
    assert result.stderr.splitlines() == ["ValueError: never raised"]
    assert lines[4:9] == [
        "KeyError: k",
        "ValueError: ",
        "ValueError: ('a', 1)",
        "OSError: [Errno 2] ENOENT: gone",
        "OSError: 9999",
    ]
    assert lines[9] == "Traceback (most recent call last):"
    assert (
        lines[-1] == "OSError: [Errno 2] ENOENT: No such file or directory"
    )  # no FileNotFoundError on the board


def test_openmv_clock_measures_frames(runs):
    result = runs(
        "import time\n"
        "clock = time.clock()\n"
        "for _ in range(5):\n"
        "    clock.tick()\n"
        "    time.sleep_ms(40)\n"
        "    fps = clock.fps()\n"
        "print(round(fps), round(clock.avg()))\n"
    )
    fps, avg = (int(v) for v in result.stdout.split())
    assert 10 <= fps <= 25  # 40 ms frames, give or take a loaded machine
    assert 35 <= avg <= 100


def test_gc_heap_is_the_profiles_and_machine_identity(runs):
    heap = mpsock.current_profile()["heap_size"]
    result = runs(
        "import gc, machine\n"
        "gc.collect()\n"
        "before = gc.mem_free()\n"
        "hold = [bytearray(100) for _ in range(1000)]\n"
        "after = gc.mem_free()\n"
        "print(abs(gc.mem_free() + gc.mem_alloc() - %d) < 4096, before - after > 10000)\n"
        "print(machine.unique_id().hex(), len(machine.unique_id()), machine.freq())\n" % heap
    )
    lines = result.stdout.splitlines()
    # The estimate counts CPython's small-object blocks: none with PYTHONMALLOC=malloc (sanitizers).
    counts_blocks = os.environ.get("PYTHONMALLOC", "pymalloc").startswith("pymalloc")
    assert lines[0] == ("True True" if counts_blocks else "True False")
    again = runs("import machine\nprint(machine.unique_id().hex())\n")
    assert again.stdout.strip() == lines[1].split()[0]  # the same board every run
    assert lines[1].split()[1:] == ["8", "600000000"]


def test_machine_reset_ends_the_run_with_a_message(runs):
    result = runs(
        "import machine\n"
        "print('before')\n"
        "try:\n"
        "    machine.reset()\n"
        "except Exception:\n"
        "    print('caught')\n"
        "print('after')\n"
    )
    assert result.stdout.splitlines() == ["before"]
    assert "machine.reset(): the camera would restart here" in result.stderr


LEAK = """
import socket, sys
port = int(sys.argv[1])
def leak():
    s = socket.socket()
    s.connect(('127.0.0.1', port))
    # dropped without close()
for i in range(6):
    try:
        leak()
        print('connection', i)
    except OSError as e:
        print('OSError', e.args[0])
        import gc
        gc.collect()
        leak()
        print('after gc.collect', i)
"""


def test_dropped_sockets_stay_open_until_gc_collect(run_mpsock, script, echo_server):
    result = run_mpsock("run", script(LEAK), str(echo_server.port))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["connection %d" % i for i in range(5)] + [
        "OSError 12",
        "after gc.collect 5",
    ]


def test_gc_eager_closes_dropped_sockets_at_once(run_mpsock, script, echo_server):
    result = run_mpsock("run", "--gc", "eager", script(LEAK), str(echo_server.port))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["connection %d" % i for i in range(6)]
    env = {"MPSOCK_GC": "eager"}
    assert (
        run_mpsock("run", script(LEAK), str(echo_server.port), env=env).stdout.splitlines()[-1]
        == "connection 5"
    )


def test_running_out_of_pcbs_with_dropped_sockets_says_why(run_mpsock, script, echo_server):
    text = "import socket, sys\nfor i in range(6):\n    socket.socket().connect(('127.0.0.1', int(sys.argv[1])))\n"
    result = run_mpsock("run", script(text), str(echo_server.port))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[-2] == "OSError: [Errno 12] ENOMEM"
    assert "5 socket(s) dropped without close() still hold their PCBs" in lines[-1]


def test_strict_names_each_difference_the_script_relied_on(run_mpsock, script, echo_server):
    script("_N = const(2)\n", name="lib.py")
    text = (
        "import lib, binascii, socket, sys\n"
        "x = 1\n"
        "print(b'%s' % 'text', binascii.b2a_base64('u:p'), f'{x=}')\n"
        "socket.socket().connect(('127.0.0.1', int(sys.argv[1])))\n"
        "match x:\n"
        "    case 1:\n"
        "        pass\n"
        "try:\n"
        "    pass\n"
        "except (TimeoutError, OSError):\n"
        "    pass\n"
    )
    path = script(text)
    quiet = run_mpsock("run", path, str(echo_server.port))
    assert quiet.returncode == 0 and "mpsock strict" not in quiet.stderr
    loud = run_mpsock("run", "--strict", path, str(echo_server.port))
    assert loud.returncode == 0, loud.stderr
    notes = [line for line in loud.stderr.splitlines() if line.startswith("mpsock strict: ")]
    joined = "\n".join(notes)
    for expected in (
        "formatted a str into bytes",
        "passed a str to binascii",
        "lib.py calls const()",
        "uses `match`",
        "f-string `{name=}`",
        "1 socket(s) were dropped without close()",
        "line 10 catches TimeoutError",
    ):
        assert expected in joined, joined
    assert len(notes) == 7  # each once
    assert (
        run_mpsock("run", path, str(echo_server.port), env={"MPSOCK_STRICT": "1"}).stderr.count(
            "mpsock strict"
        )
        == 7
    )


def test_a_clean_script_gets_no_strict_notes(run_mpsock, script):
    text = "from micropython import const\nimport binascii\nX = const(1)\nprint(b'%s' % b'x', binascii.b2a_base64(b'u'))\n"
    result = run_mpsock("run", "--strict", script(text))
    assert result.returncode == 0 and result.stderr == ""


def test_desktop_profile_adds_cpythons_modules(runs):
    result = runs(
        "import threading, sys, time, os\nprint(sys.platform, callable(time.perf_counter), callable(os.getpid))\n",
        env={"MPSOCK_PROFILE": "desktop"},
    )
    assert result.stdout.strip() == "linux True True"


def test_the_module_table_is_one_registry_others_extend(monkeypatch):
    # What another stand-in does to add a module: register a maker under the board's name.
    from mpsock import modules

    made = []

    def make(board):
        made.append(board)
        return types.ModuleType("framebuf")

    mpsock.use_profile("openmv-rt1062")
    board = modules.BoardModules()
    assert board.get("framebuf") is None
    assert "no stand-in" in str(board.import_error("framebuf"))
    monkeypatch.setitem(modules.MAKERS, "framebuf", make)
    module = board.get("framebuf")
    assert module is board.get("uframebuf") is board["framebuf"]  # made once, u-alias included
    assert made == [board] and board.profile["name"] == "openmv-rt1062"
    assert board.canonical("uasyncio") == "uasyncio"  # frozen names have no u-alias of their own
    assert board.canonical("ujson") == "json" and board.canonical("email") is None
    error = board.import_error("email")
    assert type(error) is ImportError and error.args == ("no module named 'email'",)
    assert "camera module" in str(board.import_error("sensor"))


def test_mpsock_in_the_scripts_folder_is_still_mpsock(tmp_path):
    # An editable install or a staged build run from the repository puts mpsock's own package
    # inside the folder a script's imports search: its modules must load as mpsock's, not as the
    # script's (which would give them the script's import rules).
    package = os.path.dirname(mpsock.__file__)
    (tmp_path / "mpsock").symlink_to(package, target_is_directory=True)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from mpsock.micropython import main; main()",
            "-c",
            "import sys, time, gc\nprint(sys.platform, type(time.time()).__name__)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(tmp_path),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [mpsock.current_profile()["platform"], "int"]
