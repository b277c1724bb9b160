"""What a board is and can do, asked by running the device-side agent (device/agent.py) over
a Transport: board and firmware identity, network readiness, and capability facts (IPv6,
select.select, _thread, the socket methods) by which conformance cases are chosen.

WLAN credentials come from the arguments or, failing those, from MPSOCK_WLAN_SSID and
MPSOCK_WLAN_KEY; the agent connects with them before it reports, and never prints the key.

Timeouts: AGENT_TIMEOUT for the agent to report; WLAN_CONNECT_TIMEOUT for the board to join
the network, added to it when credentials are given.
"""

import ast
import json
import os

from .transport import TransportError

AGENT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "device", "agent.py")
FACTS_PREFIX = "MPSOCK-FACTS "
AGENT_TIMEOUT = 10.0
WLAN_CONNECT_TIMEOUT = 20.0


def agent_source(wlan_ssid=None, wlan_key=None, wlan_timeout=WLAN_CONNECT_TIMEOUT):
    """The agent's text, with the WLAN request as a literal in its first line."""
    with open(AGENT_PATH, encoding="utf-8") as handle:
        agent = handle.read()
    request = None if not wlan_ssid else (wlan_ssid, wlan_key or "", wlan_timeout)
    return "_MPSOCK_WLAN = %r\n%s" % (request, agent)


def parse_facts(output):
    """The facts from the agent's output (bytes or text); TransportError without them."""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    for line in text.splitlines():
        if line.startswith(FACTS_PREFIX):
            payload = line[len(FACTS_PREFIX) :]
            try:
                return json.loads(payload)
            except ValueError:
                return ast.literal_eval(payload)  # a board without json prints a dict literal
    raise TransportError(
        "the board's agent printed no %r line; it printed %r" % (FACTS_PREFIX.strip(), text[-300:])
    )


def probe_board(transport, wlan_ssid=None, wlan_key=None, timeout=AGENT_TIMEOUT):
    """Runs the agent on the board behind `transport` (in its raw REPL) and returns the facts
    as a dict: {"board", "wlan", "network", "capabilities"}."""
    wlan_ssid = wlan_ssid or os.environ.get("MPSOCK_WLAN_SSID") or None
    wlan_key = wlan_key or os.environ.get("MPSOCK_WLAN_KEY") or None
    if wlan_ssid:
        timeout += WLAN_CONNECT_TIMEOUT
    stdout, errors = transport.exec(agent_source(wlan_ssid, wlan_key), timeout)
    if errors:
        raise TransportError("the board's agent failed:\n%s" % errors.decode("utf-8", "replace"))
    return parse_facts(stdout)
