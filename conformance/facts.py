"""What a target can do, found out before any case runs, and what each case needs.

Facts come from the capability probe (dut_probe.py run on the target), from the board table
(boards.py, for a recognised board or an emulator profile named after one) and from the
user's `--fact NAME=VALUE`. A case lists what it needs in NEEDS, as `fact` (must be true or
a known number), `not fact`, or `fact <= N` / `fact >= N`; a case whose needs are not met is
skipped with the reason, never run."""

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
}

_COMPARISONS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


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
    }
    for limit in boards.LIMIT_FACTS:
        facts[limit] = None
    profile = reported.get("profile_name")
    board = profile if profile in boards.BOARDS else boards.board_for_machine(facts["machine"] or "")
    if board:
        facts["board"] = board
        facts.update(boards.board_limits(board))
    elif profile:
        # An emulator profile that is no board (desktop): its own numbers, 0 meaning no limit.
        for limit in boards.LIMIT_FACTS:
            facts[limit] = reported.get("profile_" + limit) or None
    if profile:
        facts["firmware_surface"] = bool(reported.get("profile_strict_surface"))
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
            name, op, bound = words[0], words[1], int(words[2])
            value = facts.get(name)
            if value is None:
                return "needs %s; the target's is unknown" % DESCRIPTIONS.get(name, name)
            if not _COMPARISONS[op](value, bound):
                return "needs %s %s %d; the target's is %s" % (name, op, bound, value)
        elif len(words) == 2 and words[0] == "not":
            name = words[1]
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
