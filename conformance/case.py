"""A conformance case: one behaviour, one file in `cases/`.

A case file holds
- a docstring whose first line says what the firmware does (with the spec section);
- `dut(ctl)`, the DUT part: MicroPython-subset code run on the target (its imports inside the
  function, only the modules in DUT_MODULES, no f-strings). `ctl` carries the host peer's
  addresses, the target's facts and the control channel (see dut_prelude.py);
- `host(peer)`, optional, the host part: native CPython sockets (see peer.py);
- `EXPECTED`, the DUT's output on the firmware; `${fact}` stands for a fact of the target
  (`${tcp_mss}`), so one case serves every board; a line `~ PATTERN` matches any line that
  fits the shell-style PATTERN, for text the firmware's sources do not pin down (a warning's
  wording);
- optional `NEEDS`, the capabilities the case depends on (see facts.py), and `TIMEOUT`.
"""

import ast
import fnmatch
import importlib
import inspect
import string
import textwrap
from dataclasses import dataclass
from importlib import resources

CASES_PACKAGE = "mpsock.conformance.cases"
DUT_MODULES = frozenset({"socket", "select", "errno", "time", "sys", "gc"})
# What a case that NEEDS "tls" may import besides: the TLS modules, and binascii for the
# certificates the host sends as hex.
TLS_MODULES = frozenset({"ssl", "tls", "binascii"})
DEFAULT_TIMEOUT = 20.0


class CaseFileError(Exception):
    """A case file breaks the case format."""


@dataclass(frozen=True)
class Case:
    name: str
    summary: str
    dut_source: str
    host: object  # callable(peer) or None
    expected: str
    needs: tuple = ()
    timeout: float = DEFAULT_TIMEOUT

    @property
    def group(self):
        return self.name.partition("_")[0]

    def expected_lines(self, facts):
        text = string.Template(textwrap.dedent(self.expected)).substitute(facts)
        return [line.rstrip() for line in text.strip("\n").split("\n")]


PATTERN_MARK = "~ "


def line_matches(expected, actual):
    if expected.startswith(PATTERN_MARK):
        return fnmatch.fnmatchcase(actual, expected[len(PATTERN_MARK) :])
    return expected == actual


def output_matches(expected, actual):
    return len(expected) == len(actual) and all(map(line_matches, expected, actual))


def _check_dut_source(name, source, needs):
    """The DUT part must run on MicroPython: only the allowed modules, no f-strings."""
    allowed = DUT_MODULES | ({"_thread"} if "threads" in needs else set())
    allowed |= {"asyncio"} if "asyncio" in needs else set()
    if "tls" in needs:
        allowed |= TLS_MODULES
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module]
        elif isinstance(node, ast.JoinedStr):
            raise CaseFileError("%s: f-strings are not portable to every MicroPython build" % name)
        else:
            continue
        for module in modules:
            if module not in allowed:
                raise CaseFileError(
                    "%s: the DUT part imports %r (allowed: %s)" % (name, module, sorted(allowed))
                )


def load_case(name):
    module = importlib.import_module("%s.%s" % (CASES_PACKAGE, name))
    for required in ("dut", "EXPECTED"):
        if not hasattr(module, required):
            raise CaseFileError("%s: a case needs `%s`" % (name, required))
    if not module.__doc__:
        raise CaseFileError("%s: a case needs a docstring saying what it checks" % name)
    needs = tuple(getattr(module, "NEEDS", ()))
    dut_source = textwrap.dedent(inspect.getsource(module.dut))
    _check_dut_source(name, dut_source, needs)
    return Case(
        name=name,
        summary=" ".join(module.__doc__.strip().split("\n\n")[0].split()),
        dut_source=dut_source,
        host=getattr(module, "host", None),
        expected=module.EXPECTED,
        needs=needs,
        timeout=float(getattr(module, "TIMEOUT", DEFAULT_TIMEOUT)),
    )


def case_names():
    folder = resources.files(CASES_PACKAGE)
    return sorted(
        entry.name[:-3]
        for entry in folder.iterdir()
        if entry.name.endswith(".py") and not entry.name.startswith("_")
    )


def all_cases():
    return [load_case(name) for name in case_names()]


def select_cases(cases, patterns):
    """Cases whose name contains any of `patterns` (or matches it, with * ? [ ] wildcards)."""
    if not patterns:
        return list(cases)

    def chosen(case):
        for pattern in patterns:
            if any(ch in pattern for ch in "*?["):
                if fnmatch.fnmatchcase(case.name, pattern):
                    return True
            elif pattern in case.name:
                return True
        return False

    return [case for case in cases if chosen(case)]
