"""MicroPython's own test runner (tests/run-tests.py) can take `mpsock-micropython` as its
interpreter: before any test it runs small feature checks (tests/feature_check/*.py) as
`MICROPY_MICROPYTHON FILE`, reads what each prints (a crash, a non-zero status, counts as the
feature missing) and chooses tests from the answers. These scripts ask the same questions in our
own words; the answers must be the board's (the default profile, the OpenMV Cam RT1062) where
mpsock can be the board, and "missing" where it cannot run the feature (inline assembler)."""

import os
import subprocess

import mpsock
import pytest

CHECKS = {
    # The platform query: the runner splits this line into platform, architecture, build,
    # thread model, float precision and unicode, and crashes if it cannot.
    "platform": (
        "import sys\n"
        "mpy = getattr(sys.implementation, '_mpy', 0)\n"
        "archs = [None, 'x86', 'x64', 'armv6', 'armv6m', 'armv7m', 'armv7em', 'armv7emsp', 'armv7emdp',\n"
        "         'xtensa', 'xtensawin', 'rv32imc', 'rv64imc']\n"
        "print(getattr(sys, 'platform', 'minimal'), archs[(mpy >> 10) & 0x0F], mpy >> 16,\n"
        "      getattr(sys.implementation, '_build', 'unknown'), getattr(sys.implementation, '_thread', None),\n"
        "      64 if float('1e300') != float('inf') else 32, len('\\u00e9') == 1)\n",
        "mimxrt armv7emdp 0 OPENMV_RT1060 GIL 64 True\n",
    ),
    # The code emitters are the compiler's: no import of micropython needed.
    "native emitter": ("@micropython.native\ndef f():\n    return 1\nf()\nprint('native')\n", "native\n"),
    "viper emitter": ("@micropython.viper\ndef f(x: int) -> int:\n    return x\nprint(f(3))\n", "3\n"),
    "const": ("LIMIT = const(7)\nprint(LIMIT)\n", "7\n"),
    "big integers": ("print(2 ** 100)\n", "%d\n" % 2**100),
    "64-bit integers": ("print(1 << 62)\n", "%d\n" % (1 << 62)),
    "bytearray": ("print(bytearray(b'ab'))\n", "bytearray(b'ab')\n"),
    "set literal": ("print({2})\n", "{2}\n"),
    "slice": ("print(slice(1, 2).stop)\n", "2\n"),
    "async": ("async def g():\n    await h()\nprint('async')\n", "async\n"),
    "reverse operators": (
        "class R:\n    def __radd__(self, other):\n        return 'radd'\nprint(1 + R())\n",
        "radd\n",
    ),
    "f-strings": ("n = 2\nprint(f'n={n}')\n", "n=2\n"),
    "byte order, through the u-alias": ("import usys\nprint(usys.byteorder)\n", "little\n"),
    "complex": ("print(complex(1, 2))\n", "(1+2j)\n"),
    "no coverage build": ("try:\n    extra_coverage\nexcept NameError:\n    print('no')\n", "no\n"),
    # What mpsock cannot run is missing, so the runner skips its tests.
    "inline assembler": ("@micropython.asm_thumb\ndef f():\n    nop()\nprint('thumb')\n", None),
    "t-strings": ("v = 1\nt = t'v={v}'\nprint('tstring')\n", None),
}


def run_check(path):
    # As the runner does: the interpreter, the file, stdout and stderr together.
    return subprocess.run(
        ["mpsock-micropython", path],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=60,
        env={"PATH": os.environ["PATH"]},
    )


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_feature_check_answers_as_the_board(name, tmp_path):
    source, expected = CHECKS[name]
    path = tmp_path / "check.py"
    path.write_text(source, encoding="utf-8")
    result = run_check(str(path))
    if expected is None:
        assert result.returncode != 0, result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert result.stdout.decode() == expected


def test_the_platform_answer_follows_the_profile(tmp_path):
    path = tmp_path / "check.py"
    path.write_text(CHECKS["platform"][0], encoding="utf-8")
    for profile in mpsock.profiles():
        result = subprocess.run(
            ["mpsock-micropython", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": os.environ["PATH"], "MPSOCK_PROFILE": profile["name"]},
        )
        assert result.returncode == 0, result.stderr
        words = result.stdout.split()
        assert words[0] == profile["platform"]
        assert words[1] == (profile["mpy_arch"] or "None")
        assert words[3] == profile["build"]
