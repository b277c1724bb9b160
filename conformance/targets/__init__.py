"""The conformance targets, by name. A target spec is `NAME` or `NAME:ARGUMENT`
(`emulator:openmv-ae3`, `exec:micropython`, `serial:/dev/ttyACM0`, `virtual`).

Another package adds a target by declaring an entry point in the group
`mpsock.conformance_targets`: its name is the target's NAME, its object a Target subclass."""

from importlib import metadata

from .base import ProgramEnded, ProgramStopped, Target, TargetError
from .process import EmulatorTarget, ExecTarget
from .serial import SerialTarget, VirtualTarget

__all__ = ["ProgramEnded", "ProgramStopped", "Target", "TargetError", "make_target", "target_kinds"]

ENTRY_POINT_GROUP = "mpsock.conformance_targets"

BUILTIN_TARGETS = {
    "emulator": EmulatorTarget,
    "exec": ExecTarget,
    "serial": SerialTarget,
    "virtual": VirtualTarget,
}


def _entry_points():
    found = metadata.entry_points()
    if hasattr(found, "select"):
        return list(found.select(group=ENTRY_POINT_GROUP))
    return list(found.get(ENTRY_POINT_GROUP, ()))  # Python 3.9


def target_kinds():
    """Every target name with the class (or, for an entry point not yet loaded, the entry
    point) behind it; built-in names win over entry points of the same name."""
    kinds = {entry.name: entry for entry in _entry_points()}
    kinds.update(BUILTIN_TARGETS)
    return kinds


def make_target(spec):
    name, _, argument = spec.partition(":")
    kinds = target_kinds()
    if name not in kinds:
        raise TargetError("unknown target %r (known: %s)" % (name, ", ".join(sorted(kinds))))
    kind = kinds[name]
    if isinstance(kind, metadata.EntryPoint):
        kind = kind.load()
    return kind.from_argument(argument)
