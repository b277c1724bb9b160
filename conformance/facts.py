"""What a target can do, found out before any case runs, and what each case needs.

Facts come from the capability probe (dut_probe.py run on the target), from the board table
(boards.py, for a recognised board or an emulator profile named after one) and from the
user's `--fact NAME=VALUE` and `--board NAME`. A case lists what it needs in NEEDS, as `fact`
(must be true or a known number), `not fact`, or `fact <= N` / `fact >= N` / `fact < N`; a
release bound (`micropython >= 1.28`) compares MicroPython releases. A case whose needs are
not met is skipped with the reason, never run.

`micropython` is the release the expected output assumes: the one the target reports (a
MicroPython build's sys.implementation.version, an emulator's profile), else `--firmware`, else
the current OpenMV firmware's (boards.CURRENT_RELEASE)."""

import ast
import operator

from . import boards

# What each fact means, for skip reasons.
DESCRIPTIONS = {
    "ipv6": "IPv6 (LWIP_IPV6)",
    "select_select": "select.select",
    "threads": "_thread",
    "asyncio": "asyncio",
    "tls": "the tls module and the ssl wrapper over it (MicroPython 1.23 and later)",
    "dut_ip": "the DUT's address as the host sees it",
    "dut_on_loopback": "the DUT on this machine's loopback",
    "board": "a recognised board",
    "firmware_surface": "the firmware's socket methods only (no desktop additions)",
    "tcp_mss": "a known TCP_MSS",
    "tcp_wnd": "a known TCP_WND",
    "tcp_snd_buf": "a known TCP_SND_BUF",
    "tcp_pcbs": "a TCP socket limit (MEMP_NUM_TCP_PCB)",
    "udp_queue": "a known UDP receive queue length",
    "listen_backlog": "a known default listen backlog",
    "udp_sockets": "a UDP socket limit (MEMP_NUM_UDP_PCB less the firmware's own)",
    "tcp_listen_pcbs": "a listening socket limit (MEMP_NUM_TCP_PCB_LISTEN)",
    "mem_size": "a known lwIP heap size (MEM_SIZE)",
    "dns": "a DNS server configured on the board",
    "timeout_options": "SO_SNDTIMEO/SO_RCVTIMEO (boards whose WiFi module runs its own sockets)",
    "loopback": "a loopback interface (LWIP_NETIF_LOOPBACK)",
    "micropython": "a MicroPython release",
}

# Facts that may be unknown (None) where `not fact` must not take unknown for false.
_KNOWN_FOR_NOT = frozenset({"dns"})

_COMPARISONS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "<": operator.lt, ">": operator.gt}


def from_probe(reported, seen_from):
    """The facts, from the probe's `fact NAME VALUE` lines (as a dict) and the address its
    datagram came from (None if it never came)."""
    facts = {
        "implementation": reported.get("implementation"),
        "machine": reported.get("machine", ""),
        "platform": reported.get("platform"),
        "select_select": bool(reported.get("select_select")),
        "threads": bool(reported.get("threads")),
        "asyncio": bool(reported.get("asyncio")),
        "tls": bool(reported.get("tls")),
        "ipv6": bool(reported.get("ipv6")),
        "dut_ip": seen_from,
        "dut_on_loopback": bool(seen_from and seen_from.startswith("127.")),
        "board": None,
        "firmware_surface": True,  # what the firmware has, unless the target says it offers more
        "dns": reported.get("dns"),
        # lwIP's socket module has no SO_*TIMEO; an emulator profile says whether it adds them.
        "timeout_options": bool(reported.get("profile_timeout_options")),
        # Neither have the lwIP boards a loopback interface; an emulator profile says.
        "loopback": bool(reported.get("profile_loopback")),
        "micropython": reported.get("micropython"),
        "micropython_from": "the target" if reported.get("micropython") else None,
    }
    for limit in boards.LIMIT_FACTS:
        facts[limit] = None
    profile = reported.get("profile_name")
    board = profile if profile in boards.BOARDS else boards.board_for_machine(facts["machine"] or "")
    if board:
        facts["board"] = board
        facts.update(boards.board_limits(board, facts["micropython"]))
    elif profile:
        # An emulator profile that is no board (desktop): its own numbers, 0 meaning no limit.
        for limit in boards.LIMIT_FACTS:
            facts[limit] = reported.get("profile_" + limit) or None
    if profile:
        facts["firmware_surface"] = bool(reported.get("profile_strict_surface"))
    return facts


def complete(facts, overrides, board=None, firmware=None):
    """The final facts: `overrides` (--fact) on top; `firmware` (--firmware) for a target that
    does not say its release; `board` (--board) for a target that does not say which board it
    is, with every limit of that board. Limits that depend on the release follow it."""
    facts = dict(facts)
    if not facts.get("micropython"):
        if firmware:
            facts["micropython"], facts["micropython_from"] = firmware, "--firmware"
        else:
            facts["micropython"], facts["micropython_from"] = (
                boards.CURRENT_RELEASE,
                "the current OpenMV firmware",
            )
    if "micropython" in overrides:
        facts["micropython_from"] = "--fact"
    facts.update({name: value for name, value in overrides.items() if name != "board"})
    boards.release_tuple(facts["micropython"])  # a bad release stops here, with its reason
    chosen = overrides.get("board") or (board if not facts.get("board") else None)
    if chosen:
        if chosen not in boards.BOARDS:
            raise ValueError("unknown board %r (known: %s)" % (chosen, ", ".join(sorted(boards.BOARDS))))
        facts["board"] = chosen
    if facts.get("board") in boards.BOARDS:
        for name, value in boards.board_limits(facts["board"], facts["micropython"]).items():
            if name not in overrides:
                facts[name] = value
    return facts


def parse_override(text):
    """`NAME=VALUE` from the command line; VALUE is a Python literal or else a string."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError("expected NAME=VALUE, got %r" % text)
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def unmet(needs, facts):
    """Why a case with these needs cannot run on a target with these facts, or None."""
    for need in needs:
        words = need.split()
        if len(words) == 3 and words[1] in _COMPARISONS:
            name, op, text = words
            value = facts.get(name)
            if value is None:
                return "needs %s; the target's is unknown" % DESCRIPTIONS.get(name, name)
            if "." in text:  # a MicroPython release
                holds = _COMPARISONS[op](boards.release_tuple(value), boards.release_tuple(text))
            else:
                holds = _COMPARISONS[op](value, int(text))
            if not holds:
                return "needs %s %s %s; the target's is %s" % (name, op, text, value)
        elif len(words) == 2 and words[0] == "not":
            name = words[1]
            if facts.get(name) is None and name in _KNOWN_FOR_NOT:
                return "needs to know %s; the target's is unknown (--fact %s=False)" % (
                    DESCRIPTIONS.get(name, name),
                    name,
                )
            if facts.get(name):
                return "applies only without %s; the target has it" % DESCRIPTIONS.get(name, name)
        elif len(words) == 1:
            name = words[0]
            if not facts.get(name):
                value = facts.get(name)
                has = "unknown" if value is None else "absent"
                return "needs %s; on the target: %s" % (DESCRIPTIONS.get(name, name), has)
        else:
            raise ValueError("cannot read the need %r" % need)
    return None
