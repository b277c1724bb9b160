"""`mpsock-micropython`: MicroPython's unix binary's command line, with the emulator's
modules, so tools that drive a MicroPython interpreter can drive the emulator instead.

    mpsock-micropython FILE [ARGS...]
    mpsock-micropython -c CODE [ARGS...]
    mpsock-micropython [-]            (the script on standard input, or a REPL on a terminal)

As in MicroPython, sys.path starts with '' for -c and standard input and with the script's
folder for FILE, followed by the folders in MICROPYPATH; output is unbuffered.
MPSOCK_PROFILE selects the board profile.
"""

import code
import io
import os
import sys

from . import dialect, runner
from .importer import ScriptImports
from .modules import script_modules

USAGE = "usage: mpsock-micropython [-X option] [-c <command> | <filename> | -] [<arg> ...]\n"


def _unbuffered_stdout():
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            continue
        replacement = io.TextIOWrapper(
            io.FileIO(fd, "w", closefd=False), encoding=stream.encoding or "utf-8",
            errors="backslashreplace", write_through=True, line_buffering=False)
        setattr(sys, name, replacement)


def _micropypath():
    value = os.environ.get("MICROPYPATH")
    if not value:
        return []
    return [entry for entry in value.split(os.pathsep) if entry]


class _Console(code.InteractiveConsole):
    """The REPL, compiling each complete input in MicroPython's dialect."""

    def __init__(self, namespace):
        super().__init__(namespace)
        complete = self.compile

        def compile_input(source, filename="<input>", symbol="single"):
            if complete(source, filename, symbol) is None:
                return None  # more lines to come
            return dialect.compile_user(source, filename, symbol)

        self.compile = compile_input


def _repl(extra_dirs):
    imports = ScriptImports(script_modules(), [os.getcwd()] + extra_dirs)
    namespace = {"__name__": "__main__", "__builtins__": imports.builtins}
    with imports:
        _Console(namespace).interact(
            banner="mpsock-micropython (CPython %s); Ctrl-D to exit" % sys.version.split()[0], exitmsg="")
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    _unbuffered_stdout()
    try:
        runner.prepare()
    except (ValueError, OSError) as error:
        # A bad MPSOCK_* setting: say which, without a traceback from mpsock itself.
        sys.stderr.write("mpsock-micropython: %s\n" % error)
        runner.exit_with(2)
    extra_dirs = _micropypath()
    style = runner.Style.MICROPYTHON

    while argv and argv[0].startswith("-") and argv[0] != "-":
        option = argv.pop(0)
        if option == "-c":
            if not argv:
                sys.stderr.write(USAGE)
                runner.exit_with(1)
            source = argv.pop(0)
            status = runner.run_source(source, "<stdin>", ["-c"] + argv, "", style, [os.getcwd()] + extra_dirs)
            runner.exit_with(status)
        elif option == "-X":
            if argv:
                argv.pop(0)  # heapsize, emit and the like mean nothing here
        elif option.startswith("-X") or option in ("-O", "-OO", "-OOO", "-v", "-i"):
            continue
        elif option in ("-h", "--help"):
            sys.stdout.write(USAGE + __doc__)
            runner.exit_with(0)
        else:
            sys.stderr.write(USAGE)
            runner.exit_with(1)

    if argv and argv[0] != "-":
        path = argv[0]
        source, problem = runner.read_script(path)
        if source is None:
            sys.stderr.write("mpsock-micropython: can't open file '%s'\n" % path)
            runner.exit_with(2)
        folder = os.path.dirname(os.path.abspath(path))
        status = runner.run_source(source, path, argv, folder, style, [folder] + extra_dirs)
        runner.exit_with(status)

    if sys.stdin.isatty() and not argv:
        runner.exit_with(_repl(extra_dirs))
    source = sys.stdin.buffer.read()
    status = runner.run_source(source, "<stdin>", argv[1:] if argv else [], "", style, [os.getcwd()] + extra_dirs)
    runner.exit_with(status)


if __name__ == "__main__":
    main()
