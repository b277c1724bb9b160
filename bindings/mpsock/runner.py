"""Running a camera script under the emulator: its imports resolve to the emulator's modules,
and its exit status and traceback are what CPython would give (or, for mpsock-micropython,
what MicroPython's unix port gives)."""

import atexit
import os
import signal
import sys
import traceback
import types

from . import _mpsock, camera_config, dialect, modbuiltins, moderrno, network_state, settings, signals
from .importer import ScriptImports
from .modmachine import BoardReset
from .modules import script_modules

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_shutdown_registered = False


class Style:
    """How an uncaught exception is reported."""

    CPYTHON = "cpython"
    MICROPYTHON = "micropython"


GC_MODES = settings.GC_MODES


def gc_mode(value=None):
    """`camera` (a socket dropped without close() stays open until gc.collect()) or `eager`
    (CPython's: it closes at once); None reads $MPSOCK_GC."""
    if not value:
        return settings.gc_mode_from_env() or "camera"
    if value not in GC_MODES:
        raise ValueError("unknown gc mode %r (known: %s)" % (value, ", ".join(GC_MODES)))
    return value


def prepare(profile=None, expose=False, hosts=(), offline=None, conditions=None, faults=(), trace=None,
            network=None, connect_ms=None, camera=None, gc=None, strict=None,
            trace_limit=_mpsock.TRACE_DEFAULT_LIMIT, firmware=None):
    """Sets up the emulated stack for a run: profile and the MicroPython release it follows
    (`firmware`, None for $MPSOCK_FIRMWARE or the profile's own), host table, network conditions
    (None: only $MPSOCK_LATENCY's), trace (up to `trace_limit` bytes, None for no limit), whether
    the camera starts on the network (`network`: True, False or None for $MPSOCK_NETWORK) and how
    long joining takes, faults (their times count from here), the camera (`camera`: frames, seed
    and timing for camera.configure), signal delivery, and a clean shutdown at exit (after the
    script's threads end, so they can still use their sockets). `gc` is gc_mode()'s; `strict`
    (None: $MPSOCK_STRICT) reports where the script relied on the camera differing from CPython.
    Every MPSOCK_* setting is checked first, even one an argument overrides: ValueError naming
    it."""
    global _shutdown_registered
    settings.check_environment()
    profile = profile or settings.profile_from_env()
    _mpsock.close_dropped_at_once(gc_mode(gc) == "eager")
    if strict is None:
        strict = settings.strict_from_env()
    dialect.configure(strict=strict)
    firmware = firmware or settings.firmware_from_env()
    if firmware:
        _mpsock.check_firmware(firmware)
    if profile or firmware:
        _mpsock.use_profile(profile or _mpsock.current_profile()["name"], firmware)
    if trace:
        try:
            with open(trace, "w"):
                pass
        except OSError as error:
            raise ValueError("cannot write the trace to %s: %s" % (trace, error.strerror)) from None
        _mpsock.trace_to(trace, trace_limit)
    if conditions is None:
        # A round trip added to the link for a whole run (mpsock-micropython, a conformance run
        # checking that no case depends on the link's speed).
        latency = settings.latency_from_env()
        if latency:
            conditions = {"latency_ms": latency}
    if conditions:
        _mpsock.set_conditions(**conditions)
    if expose:
        _mpsock.expose_wildcard(True)
    if offline is None:
        offline = settings.offline_from_env()
    if offline:
        _mpsock.use_system_resolver(False)
    for name, address in hosts:
        _mpsock.add_host(name, address)
    network_state.boot(start_connected=network, connect_ms=connect_ms)
    for fault in faults:
        _mpsock.add_fault(fault)
    if camera:
        camera_config.configure(**camera)
    signals.install()
    if not _shutdown_registered:
        atexit.register(_mpsock.shutdown)
        _shutdown_registered = True


def _is_ours(frame):
    filename = frame.f_code.co_filename
    # By module name too: subpackages mapped from other folders (an editable install's
    # mpsock.firmware_shim, mpsock.conformance) are ours as well.
    module = frame.f_globals.get("__name__") or ""
    return (
        filename.startswith(_PACKAGE_DIR + os.sep)
        or filename.startswith("<frozen importlib")
        or module.startswith("mpsock.")
    )


def script_traceback(tb):
    """The traceback without mpsock's own frames (nor importlib's), as if the script ran alone."""
    frames = []
    while tb is not None:
        if not _is_ours(tb.tb_frame):
            frames.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    rebuilt = None
    for frame, lasti, lineno in reversed(frames):
        rebuilt = types.TracebackType(rebuilt, frame, lasti, lineno)
    return rebuilt


def _strip_chain(error, seen=None):
    seen = seen or set()
    if error is None or id(error) in seen:
        return
    seen.add(id(error))
    error.__traceback__ = script_traceback(error.__traceback__)
    _strip_chain(error.__cause__, seen)
    _strip_chain(error.__context__, seen)


def _micropython_message(error):
    """What MicroPython prints after the exception's name (mp_obj_exception_print): nothing for
    no arguments, the one argument as str() prints it, or the arguments' tuple; an OSError with a
    known errno number reads "[Errno 110] ETIMEDOUT" however it was raised."""
    args = getattr(error, "args", ())
    if isinstance(error, OSError) and 0 < len(args) < 3 and type(args[0]) is int:
        name = moderrno.NUMBERS_BY_VALUE.get(args[0])
        if name:
            message = "[Errno %d] %s" % (args[0], name)
            return message if len(args) == 1 else "%s: %s" % (message, args[1])
    if not args:
        return ""
    if len(args) == 1:
        return str(args[0])
    return repr(args)


def _micropython_name(error):
    """The class name MicroPython would print: CPython's OSError subclasses (FileNotFoundError,
    ...), which the board does not have, print as OSError."""
    kind = type(error)
    if issubclass(kind, OSError) and kind.__name__ not in modbuiltins.EXCEPTIONS and kind.__module__ == "builtins":
        return "OSError"
    return kind.__name__


def print_micropython_traceback(error, stream):
    """MicroPython's format: file, line and function of each of the script's frames, then the
    exception."""
    tb = error.__traceback__
    if isinstance(error, SyntaxError) and tb is None:
        # The compiler's error: where it is, then what (mp_raise_syntax_error's format).
        print("Traceback (most recent call last):", file=stream)
        print('  File "%s", line %s' % (error.filename or "<stdin>", error.lineno), file=stream)
        print("%s: %s" % (type(error).__name__, error.msg), file=stream)
        return
    frames = []
    while tb is not None:
        if not _is_ours(tb.tb_frame):
            frames.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    if frames:  # an exception never raised has no traceback to print
        print("Traceback (most recent call last):", file=stream)
    for code, line in frames:
        print('  File "%s", line %d, in %s' % (code.co_filename, line, code.co_name), file=stream)
    # MicroPython prints "Name: " even when there is no message (mp_obj_exception_print).
    print("%s: %s" % (_micropython_name(error), _micropython_message(error)), file=stream)


def _dropped_sockets_hint(error):
    """Why socket() ran out of PCBs, when sockets the script dropped without close() hold them."""
    if not (isinstance(error, OSError) and error.args[:1] == (12,)):
        return None
    still_open = _mpsock.dropped_sockets()["open"]
    if not still_open:
        return None
    return (
        "mpsock: %d socket(s) dropped without close() still hold their PCBs: on the camera a dropped "
        "socket stays open until gc.collect() runs. Close sockets when done (or call gc.collect(), or "
        "run with --gc eager for CPython's behaviour)." % still_open
    )


def report(error, style):
    _strip_chain(error)
    sys.stdout.flush()
    if style == Style.MICROPYTHON:
        print_micropython_traceback(error, sys.stderr)
    else:
        traceback.print_exception(type(error), error, error.__traceback__)
    hint = _dropped_sockets_hint(error)
    if hint:
        print(hint, file=sys.stderr)
    sys.stderr.flush()


def report_reset(error):
    sys.stdout.flush()
    print("mpsock: machine.%s(): the camera would restart here, so the run ends." % error.how, file=sys.stderr)
    sys.stderr.flush()


def note_dropped_sockets():
    dropped = _mpsock.dropped_sockets()["ever"]
    if dropped:
        dialect.NOTES.note(
            "dropped-sockets",
            "%d socket(s) were dropped without close(): the camera keeps each open, holding its PCB, "
            "until gc.collect() runs (CPython closes it at once)" % dropped,
        )


def exit_status(error):
    """sys.exit's rules for a SystemExit."""
    code = error.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_source(source, filename, argv, path0, style=Style.CPYTHON, user_dirs=None):
    """Runs `source` as the __main__ module with the emulator's modules. Returns the exit
    status; KeyboardInterrupt is reported and given back as 130."""
    main = types.ModuleType("__main__")
    main.__file__ = filename
    main.__loader__ = None
    dirs = list(user_dirs) if user_dirs is not None else [path0 or os.getcwd()]
    imports = ScriptImports(script_modules(), dirs)
    main.__dict__["__builtins__"] = imports.builtins

    saved_main = sys.modules.get("__main__")
    saved_argv = sys.argv
    saved_path0 = sys.path[0] if sys.path else None
    sys.modules["__main__"] = main
    sys.argv = list(argv)
    if sys.path:
        sys.path[0] = path0
    else:
        sys.path.append(path0)
    try:
        with imports:
            try:
                try:
                    code = dialect.compile_user(source, filename, "exec")
                except SyntaxError as error:
                    error.__traceback__ = None  # the compiler's frames are not the script's
                    raise error from None
                exec(code, main.__dict__)
            except SystemExit as error:
                return exit_status(error)
            except BoardReset as error:
                report_reset(error)
                return 0
            except KeyboardInterrupt as error:
                report(error, style)
                return 130
            except BaseException as error:  # noqa: BLE001 - reported like an uncaught exception
                report(error, style)
                return 1
        return 0
    finally:
        sys.stdout.flush()
        note_dropped_sockets()
        sys.modules["__main__"] = saved_main
        sys.argv = saved_argv
        if saved_path0 is not None and sys.path:
            sys.path[0] = saved_path0


def read_script(path):
    """The script's text, or (None, message) when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), None
    except OSError as error:
        return None, "mpsock: can't open file '%s': [Errno %d] %s" % (path, error.errno, error.strerror)


def run_file(path, args=(), style=Style.CPYTHON, extra_dirs=()):
    source, problem = read_script(path)
    if source is None:
        print(problem, file=sys.stderr)
        return 2
    folder = os.path.dirname(os.path.abspath(path))
    return run_source(source, path, [path] + list(args), folder, style, [folder] + list(extra_dirs))


def exit_with(status):
    """Ends the process with `status`; 130 from a KeyboardInterrupt ends it by SIGINT, as
    CPython does."""
    sys.stdout.flush()
    sys.stderr.flush()
    if status == 130 and hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    sys.exit(status)
