"""The `mpsock` command."""

import argparse
import importlib
import ipaddress
import sys

from . import _mpsock, runner, settings, traceview, units

# Packages that add subcommands: each has a `command` module with register(commands), where
# `commands` is the argparse sub-parsers object; a parser's `handler` returns the exit status.
SUBCOMMAND_MODULES = ("mpsock.conformance.command", "mpsock.firmware_shim.command")


def _host_pair(text):
    name, sep, address = text.partition("=")
    if not sep or not name or not address:
        raise argparse.ArgumentTypeError("expected NAME=ADDRESS, got %r" % text)
    literal, _, zone = address.partition("%")
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a numeric IP address" % address) from None
    if "%" in address and not zone.isdigit():
        raise argparse.ArgumentTypeError("the zone of %r must be an interface number" % address)
    return name, address


def _profile_name(text):
    try:
        return settings.check_profile(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _unit_type(convert):
    def parse(text):
        try:
            return convert(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = convert.__name__
    return parse


def _condition(field, convert):
    """A network condition in its units, checked by the core as the Python API's would be."""

    def parse(text):
        value = convert(text)
        _mpsock.check_conditions(**{field: value})
        return value

    parse.__name__ = convert.__name__
    return _unit_type(parse)


def _seed(text):
    try:
        seed = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("seed %r is not a whole number" % text) from None
    if not 0 <= seed < 2**64:
        raise argparse.ArgumentTypeError("seed %r is not from 0 to 2**64-1" % text)
    return seed


def _fault_spec(text):
    # Checked by the core's own parser, so the command line and the Python API agree.
    try:
        _mpsock.parse_fault(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _trace_limit(text):
    """A size ('100MB', '1GiB'), or 'none' for no limit."""
    if text.strip().lower() in ("none", "unlimited"):
        return None
    try:
        limit = _mpsock.parse_byte_count(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError("%s, or none" % error) from None
    if limit < _mpsock.TRACE_SMALLEST_LIMIT:
        raise argparse.ArgumentTypeError(
            "trace limit %r is under %d bytes, too small for a record" % (text, _mpsock.TRACE_SMALLEST_LIMIT)
        )
    return limit


def add_network_options(parser):
    group = parser.add_argument_group("network conditions (between the camera and the world)")
    group.add_argument("--latency", type=_condition("latency_ms", units.milliseconds), default=0.0,
                       metavar="TIME", help="added round-trip time, e.g. 30ms (up to 86400s)")
    group.add_argument("--jitter", type=_condition("jitter_ms", units.milliseconds), default=0.0,
                       metavar="TIME", help="each one-way delay varies by up to this much, e.g. 5ms")
    group.add_argument("--bandwidth", type=_condition("bandwidth_bps", units.bits_per_second), default=0.0,
                       metavar="RATE", help="each way, e.g. 2Mbit (at least 1bit; leave out for no limit)")
    group.add_argument("--loss", type=_condition("loss", units.fraction), default=0.0, metavar="FRACTION",
                       help="packet loss, e.g. 1%% (TCP sees delay, UDP loses datagrams; 100%% lets nothing by)")
    group.add_argument("--seed", type=_seed, default=1,
                       help="random seed for jitter, loss and the camera's test pattern (default 1)")
    group.add_argument("--fault", dest="faults", action="append", default=[], type=_fault_spec, metavar="SPEC",
                       help="inject a fault: reset@2s, close@64KB, 'link-down@5s for 3s', dns-fail:NAME (repeatable)")
    group.add_argument("--trace", metavar="FILE", help="record every socket call and network event (JSON lines)")
    group.add_argument("--trace-limit", type=_trace_limit, default=_mpsock.TRACE_DEFAULT_LIMIT,
                       metavar="SIZE", help="stop the trace at this size, e.g. 1GB, or none (default %dMB)"
                       % (_mpsock.TRACE_DEFAULT_LIMIT // 1000000))
    group.add_argument("--network", choices=("up", "down"),
                       help="start on the network (up, the default: as after a boot script joined the WiFi) or "
                            "off it (down: the script's own network code must connect); default $MPSOCK_NETWORK")
    group.add_argument("--connect-time", type=_unit_type(units.milliseconds), metavar="TIME",
                       help="how long joining the WiFi or LAN takes (default 2s, or $MPSOCK_CONNECT_TIME)")


def _frame_timing(text):
    if text not in ("sensor", "off"):
        raise argparse.ArgumentTypeError("expected 'sensor' or 'off', got %r" % text)
    return text


def add_camera_options(parser):
    group = parser.add_argument_group("camera (csi, sensor, image)")
    group.add_argument("--frames", metavar="PATH",
                       help="take pictures from PATH (a folder of images, an image, an MJPEG file, or a video "
                            "ffmpeg decodes) instead of the test pattern; scaled to the frame size the script sets")
    group.add_argument("--frame-timing", type=_frame_timing, default="sensor", metavar="sensor|off",
                       help="sensor (default): frames come at the profile's sensor rate for the frame size; "
                            "off: each snapshot returns at once (to measure the script, not the sensor)")


def conditions_of(args):
    conditions = dict(latency_ms=args.latency, jitter_ms=args.jitter, bandwidth_bps=args.bandwidth,
                      loss=args.loss, seed=args.seed)
    if not any((args.latency, args.jitter, args.bandwidth, args.loss)):
        return None
    return conditions


def add_stack_options(parser):
    parser.add_argument("--profile", type=_profile_name, help="board profile (see `mpsock profiles`)")
    parser.add_argument(
        "--host", dest="hosts", action="append", default=[], type=_host_pair, metavar="NAME=ADDRESS",
        help="answer getaddrinfo(NAME) with ADDRESS (repeatable)")
    parser.add_argument("--offline", action="store_true", help="resolve only numeric addresses and --host names")
    parser.add_argument(
        "--expose", action="store_true",
        help="let sockets bound to 0.0.0.0 or a host address listen there (default: loopback only)")


def add_dialect_options(parser):
    group = parser.add_argument_group("MicroPython's dialect")
    group.add_argument("--gc", choices=runner.GC_MODES,
                       help="camera (default, or $MPSOCK_GC): a socket dropped without close() stays open until "
                            "gc.collect(); eager: it closes at once, as in CPython")
    group.add_argument("--strict", action="store_true", default=None,
                       help="say where the script relies on the camera differing from CPython (bytes %% str, "
                            "const without import, dropped sockets, CPython-only syntax); or $MPSOCK_STRICT=1")


def cmd_run(args):
    try:
        runner.prepare(profile=args.profile, expose=args.expose, hosts=args.hosts, offline=args.offline or None,
                       conditions=conditions_of(args), faults=args.faults, trace=args.trace,
                       trace_limit=args.trace_limit,
                       network=None if args.network is None else args.network == "up",
                       connect_ms=args.connect_time,
                       camera=dict(frames=args.frames, seed=args.seed, timing=args.frame_timing == "sensor"),
                       gc=args.gc, strict=args.strict)
    except (ValueError, OSError) as error:
        print("mpsock: %s" % error, file=sys.stderr)
        return 2
    return runner.run_file(args.script, args.args)


def cmd_profiles(args):
    profiles = _mpsock.profiles()
    default = _mpsock.default_profile_name()
    columns = [
        ("name", "name"), ("MSS", "tcp_mss"), ("TCP_WND", "tcp_wnd"), ("SND_BUF", "tcp_snd_buf"),
        ("MEM_SIZE", "mem_size"), ("TCP pcbs", "tcp_pcbs"), ("listen", "tcp_listen_pcbs"),
        ("UDP pcbs", "udp_pcbs"), ("UDP queue", "udp_queue"), ("backlog", "listen_backlog"),
        ("IPv6", "ipv6"),
    ]

    def cell(profile, key):
        value = profile[key]
        if key in ("tcp_pcbs", "tcp_listen_pcbs", "udp_pcbs") and value == 0:
            return "-"
        if key == "udp_pcbs" and value:
            return "%d (%d free)" % (value, value - profile["udp_pcbs_for_system"])
        if key == "name" and value == default:
            return value + " *"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    rows = [[title for title, _ in columns]] + [[cell(p, key) for _, key in columns] for p in profiles]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    for row in rows:
        print("  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
    print()
    for p in profiles:
        print("%s: %s (%s)" % (p["name"], p["description"], p["source"]))
        print("    sys.platform %s, %s, MicroPython %s, GC heap %d bytes, epoch %d"
              % (p["platform"], p["machine"], p["micropython_version"], p["heap_size"], p["epoch_year"]))
        print("    flash at %s, sys.path %r, main.py %s"
              % (p["flash_mount"], p["sys_path"],
                 "at every soft reset" if p["main_at_soft_reset"] else "at power-on and hard reset"))
    print()
    for p in profiles:
        camera = p["camera"]
        modes = ", ".join("%dx%d %g fps" % mode for mode in camera["modes"]) or "frames not paced"
        print("%s camera: %s, up to %dx%d; %s" % (p["name"], camera["sensor"], camera["max_width"],
                                                 camera["max_height"], modes))
    print("* default; '-' means no limit")
    return 0


def cmd_trace(args):
    try:
        records = traceview.read_records(args.file)
    except (OSError, traceview.TraceError) as error:
        print("mpsock: %s" % error, file=sys.stderr)
        return 2
    for line in traceview.timeline_lines(records):
        print(line)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="mpsock", description="Run OpenMV Cam network scripts on the desktop, as on the camera.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser("run", help="run a camera script under the emulator")
    add_stack_options(run)
    add_network_options(run)
    add_camera_options(run)
    add_dialect_options(run)
    run.add_argument("script", help="the script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    run.set_defaults(handler=cmd_run)

    profiles = commands.add_parser("profiles", help="list the board profiles and their limits")
    profiles.set_defaults(handler=cmd_profiles)

    trace = commands.add_parser("trace", help="show a trace (from `mpsock run --trace`) as a timeline per socket")
    trace.add_argument("file", help="the trace file (JSON lines)")
    trace.set_defaults(handler=cmd_trace)

    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(commands)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    status = args.handler(args)
    runner.exit_with(status)


if __name__ == "__main__":
    main()
