"""Loads the sanitizer build of mpsock staged in $MPSOCK_STAGED_PACKAGES (a folder holding an
`mpsock` package with its sanitized `_mpsock`), ahead of the installed mpsock.

PYTHONPATH alone is not enough: an editable install puts an import hook in front of
sys.path, so this finder goes in front of that hook. Only `mpsock` and its submodules are
redirected; everything else imports as usual.
"""

import importlib.machinery
import os
import sys


class StagedMpsockFinder:
    def __init__(self, root):
        self.root = root

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "mpsock":
            return importlib.machinery.PathFinder.find_spec(fullname, [self.root])
        if fullname.startswith("mpsock."):
            return importlib.machinery.PathFinder.find_spec(fullname, path)
        return None


_root = os.environ.get("MPSOCK_STAGED_PACKAGES")
if _root:
    sys.meta_path.insert(0, StagedMpsockFinder(os.path.abspath(_root)))


# The sanitizer runtime is preloaded (LD_PRELOAD) into every process of the run, so that the
# Python processes the tests start (`mpsock run`, the virtual camera) load the sanitized
# _mpsock too. Programs that are not Python (ffmpeg, mosquitto, a MicroPython build, the shell
# scripts that start them) are not ours to check: their own leaks at exit would fail the run.
# They are started without the preload, unless they start a Python program themselves (`ip
# netns exec NS mpsock run ...`): then the preload goes through to it.
_SANITIZER_VARIABLES = ("LD_PRELOAD", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS")


def _is_python(program, missing=True):
    import shutil

    path = program if os.sep in program else shutil.which(program)
    if not path or not os.path.isfile(path):
        return missing  # not a program: for the one started, its start fails anyway
    path = os.path.realpath(path)
    if os.path.basename(path).startswith("python") or path == os.path.realpath(sys.executable):
        return True
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return True
    return first.startswith(b"#!") and b"python" in first


def _without_sanitizers_for_others():
    import subprocess

    if not os.environ.get("LD_PRELOAD"):
        return
    original = subprocess.Popen.__init__

    def start(self, args, *rest, **options):
        program = options.get("executable") or (args if isinstance(args, (str, bytes)) else args[0])
        if isinstance(program, bytes):
            program = os.fsdecode(program)
        later = [] if isinstance(args, (str, bytes)) else [a for a in args[1:] if isinstance(a, str)]
        runs_python = _is_python(os.fspath(program)) or any(_is_python(a, missing=False) for a in later)
        if not options.get("shell") and not runs_python:
            env = dict(options.get("env") or os.environ)
            for name in _SANITIZER_VARIABLES:
                env.pop(name, None)
            options["env"] = env
        original(self, args, *rest, **options)

    subprocess.Popen.__init__ = start


_without_sanitizers_for_others()
