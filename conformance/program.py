"""The text a target runs for one case: the DUT prelude (the `Control` class), the values the
harness passes in, the case's function, and the call of it."""

from importlib import resources

_PACKAGE = "mpsock.conformance"


def dut_text(filename):
    """A MicroPython-side file of the harness (dut_prelude.py, dut_probe.py), as text."""
    return resources.files(_PACKAGE).joinpath(filename).read_text(encoding="utf-8")


def _literal(value):
    # Facts are None, bools, ints and strings, whose reprs MicroPython reads back alike.
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    raise TypeError("a fact passed to the DUT must be None, bool, int or str, not %r" % (value,))


def dut_program(function_source, function_name, peer, facts):
    facts_literal = "{%s}" % ", ".join("%r: %s" % (key, _literal(facts[key])) for key in sorted(facts))
    call = "ctl = Control(%r, %d, %d, %d, %s)" % (
        peer.host_ip,
        peer.port,
        peer.refusing_port,
        peer.own_port,
        facts_literal,
    )
    return "\n".join(
        [dut_text("dut_prelude.py"), call, "", function_source, "", "%s(ctl)" % function_name, ""]
    )
