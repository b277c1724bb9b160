"""The firmware shim's subcommands of `mpsock`:

mpsock virtual-camera [--profile NAME] [--flash DIR] [--link PATH] [--no-raw-paste]
    Opens the virtual camera's pty and prints, as QEMU does for MicroPython's qemu port,
    "char device redirected to /dev/pts/N (label serial0)"; runs until interrupted, or until
    the process that started it ends. The board's flash is DIR (kept), or a fresh temporary
    folder (removed at the end).
mpsock probe-board PORT [--wlan-ssid SSID] [--wlan-key KEY] [--no-soft-reset]
    Runs the agent on the board at PORT and prints its facts as JSON. The WLAN
    credentials may come from MPSOCK_WLAN_SSID / MPSOCK_WLAN_KEY instead (better for the
    key: the command line is visible to other users).
"""

import argparse
import json
import os
import signal
import sys
import threading


def _profile(text):
    from .virtual_camera import resolve_profile

    try:
        return resolve_profile(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def register(commands):
    camera = commands.add_parser(
        "virtual-camera", help="serve a pty that answers as an OpenMV Cam's REPL, backed by the emulator"
    )
    camera.add_argument("--profile", type=_profile, help="board profile (see `mpsock profiles`)")
    camera.add_argument(
        "--flash", metavar="DIR", help="the board's flash filesystem (default: a fresh temporary folder)"
    )
    camera.add_argument("--link", metavar="PATH", help="also make PATH a symbolic link to the pty")
    camera.add_argument(
        "--no-raw-paste", action="store_true", help="answer as firmware without raw-paste mode (before 1.14)"
    )
    camera.set_defaults(handler=run_virtual_camera)

    probe = commands.add_parser("probe-board", help="print what the board at PORT is and can do, as JSON")
    probe.add_argument("port", help="device or pty path, socket://HOST:PORT or rfc2217://HOST:PORT")
    probe.add_argument("--wlan-ssid", help="join this WLAN first (default: $MPSOCK_WLAN_SSID)")
    probe.add_argument("--wlan-key", help="its key (default: $MPSOCK_WLAN_KEY)")
    probe.add_argument(
        "--no-soft-reset", action="store_true", help="keep the board's state (no Ctrl-D first)"
    )
    probe.set_defaults(handler=run_probe_board)


# Who started the command, as early as it can be known: a parent that dies while the camera
# boots must still be noticed (by then our parent is whoever adopted us).
_STARTED_BY = os.getppid()


def _wait_for_signal_or_parent():
    """Until SIGINT, SIGTERM or SIGHUP, or until the process that started the command ends: a
    parent killed outright sends no signal, and the camera would live on without it."""
    from .interpreter_main import wait_for_process_end

    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda *_: stop.set())
    threading.Thread(target=wait_for_process_end, args=(_STARTED_BY, stop.set), daemon=True).start()
    stop.wait()


def run_virtual_camera(args):
    from .virtual_camera import VirtualCamera

    if args.flash and not os.path.isdir(args.flash):
        print("mpsock: --flash %s: no such folder" % args.flash, file=sys.stderr)
        return 2
    camera = VirtualCamera(args.profile, raw_paste=not args.no_raw_paste, flash_dir=args.flash)
    path = camera.start()
    try:
        if args.link:
            if os.path.islink(args.link):
                os.unlink(args.link)
            os.symlink(path, args.link)
        print("char device redirected to %s (label serial0)" % path, flush=True)
        _wait_for_signal_or_parent()
    finally:
        camera.stop()
        if args.link and os.path.islink(args.link) and os.readlink(args.link) == path:
            os.unlink(args.link)
    return 0


def run_probe_board(args):
    from .board_facts import probe_board
    from .transport import SerialTransport, TransportError

    try:
        with SerialTransport(args.port) as transport:
            transport.enter_raw_repl(soft_reset=not args.no_soft_reset)
            facts = probe_board(transport, args.wlan_ssid, args.wlan_key)
    except TransportError as error:
        print("mpsock: %s" % error, file=sys.stderr)
        return 1
    print(json.dumps(facts, indent=2, sort_keys=True))
    return 0
