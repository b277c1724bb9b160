"""`mpsock conformance`: runs the suite on a target (or two, to compare them)."""

import argparse
import os
import sys
import time

from . import boards
from . import case as case_module
from . import facts as facts_module
from .compare import comparison_report
from .junit import write_junit
from .report import closing_line, expected_release, final_report, progress_line
from .runner import ERROR, FAIL, Session, run_cases
from .targets import TargetError, make_target, target_kinds

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def _fact(text):
    try:
        return facts_module.parse_override(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _board(text):
    if text not in boards.BOARDS:
        raise argparse.ArgumentTypeError(
            "unknown board %r (known: %s)" % (text, ", ".join(sorted(boards.BOARDS)))
        )
    return text


def _release(text):
    try:
        numbers = boards.release_tuple(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    return "%d.%d.%d" % numbers


def register(commands):
    parser = commands.add_parser(
        "conformance",
        help="run the conformance suite on a target",
        description="Run the conformance cases on a target and compare its behaviour with the firmware's. "
        "Targets: emulator[:PROFILE], exec:CMD, serial:PORT, virtual, and any added through the "
        "mpsock.conformance_targets entry-point group.",
    )
    parser.add_argument(
        "--target", default="emulator", metavar="T", help="where the DUT parts run (default: emulator)"
    )
    parser.add_argument(
        "--compare", nargs=2, metavar=("A", "B"), help="run two targets and show where they disagree"
    )
    parser.add_argument(
        "--host-ip",
        metavar="IP",
        help="this machine's address as the board reaches it (needed for boards; default 127.0.0.1); "
        "the emulator and the virtual camera stay on 127.0.0.1 whatever this says",
    )
    parser.add_argument(
        "--board",
        type=_board,
        metavar="NAME",
        help="the board of a target that does not say which it is (%s): sets every board fact "
        "(its lwIP limits) from that board's profile" % ", ".join(sorted(boards.BOARDS)),
    )
    parser.add_argument(
        "--firmware",
        type=_release,
        metavar="VERSION",
        help="the MicroPython release to expect (e.g. 1.24): an emulator target follows it; for "
        "another target it is what the expected output assumes when the target does not say "
        "(default: what the target reports, else %s, the current OpenMV firmware's)" % boards.CURRENT_RELEASE,
    )
    parser.add_argument(
        "-k",
        dest="patterns",
        action="append",
        default=[],
        metavar="PATTERN",
        help="run only cases whose name contains PATTERN or matches it with wildcards (repeatable, comma-separated)",
    )
    parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    parser.add_argument(
        "--fact",
        dest="facts",
        action="append",
        default=[],
        type=_fact,
        metavar="NAME=VALUE",
        help="set or correct a capability fact (e.g. tcp_snd_buf=6400 for a board not recognised)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the cases and the target kinds; run nothing"
    )
    parser.set_defaults(handler=run_command)


def _chosen_cases(args):
    patterns = [p for text in args.patterns for p in text.split(",") if p]
    return case_module.select_cases(case_module.all_cases(), patterns)


def _run_target(spec, args, cases, out):
    target = make_target(spec)
    if args.firmware:
        target.follow_firmware(args.firmware)
    started = time.monotonic()
    with Session(target, args.host_ip, dict(args.facts), args.board, args.firmware) as session:
        print(
            "conformance: %d cases on %s (%s)"
            % (len(cases), target.describe(), expected_release(session.facts)),
            file=out,
            flush=True,
        )

        def show(index, total, case, result):
            print(progress_line(index, total, case, result), file=out, flush=True)

        results = run_cases(session, cases, show)
        return target.describe(), session.facts, results, time.monotonic() - started


def run_command(args, out=None):
    out = out or sys.stdout
    cases = _chosen_cases(args)
    if args.list:
        for case in cases:
            print("%-44s %s" % (case.name, case.summary), file=out)
        print("\ntargets: %s" % ", ".join(sorted(target_kinds())), file=out)
        return EXIT_OK
    if not cases:
        print("conformance: no case matches %s" % ", ".join(args.patterns), file=sys.stderr)
        return EXIT_UNUSABLE
    problem = args.junit and _unwritable(args.junit)
    if problem:
        # Said before the cases run, not after, when the report would be lost.
        print("conformance: --junit %s: %s" % (args.junit, problem), file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        if args.compare:
            runs = [_run_target(spec, args, cases, out) for spec in args.compare]
            lines, differing = comparison_report(
                runs[0][0], runs[1][0], runs[0][2], runs[1][2], runs[0][1], runs[1][1]
            )
            print("\n".join(lines), file=out)
            return EXIT_FAILED if differing else EXIT_OK
        name, facts, results, seconds = _run_target(args.target, args, cases, out)
    except TargetError as error:
        print("conformance: %s" % error, file=sys.stderr)
        return EXIT_UNUSABLE
    print("\n".join(final_report(name, facts, results, seconds)), file=out)
    written = True
    if args.junit:
        try:
            write_junit(args.junit, name, facts, results, seconds)
            print("JUnit report written to %s" % args.junit, file=out)
        except OSError as error:
            print(
                "conformance: the JUnit report could not be written to %s: %s" % (args.junit, error.strerror),
                file=sys.stderr,
            )
            written = False
    print(closing_line(results), file=out)
    failed = any(r.outcome in (FAIL, ERROR) for r in results)
    if not written:
        return EXIT_UNUSABLE
    return EXIT_FAILED if failed else EXIT_OK


def _unwritable(path):
    """Why a report cannot be written at `path`, or None."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return "is a folder"
    if not os.path.isdir(folder):
        return "no folder %s" % folder
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return "not writable"
    return None
