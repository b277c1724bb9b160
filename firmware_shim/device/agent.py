# The firmware shim's agent: sent to the board first, it prints one line,
#
#     MPSOCK-FACTS {"board": ..., "network": ..., "wlan": ..., "capabilities": ...}
#
# with what the host needs to know before it runs conformance cases: which board and
# firmware, whether the network is up, and what the socket stack can do. MicroPython code:
# only the Python subset every port runs (no f-strings, no walrus, no type hints).
#
# The host puts one line before this text (board_facts.py):
#     _MPSOCK_WLAN = (ssid, key, timeout_s)   or   _MPSOCK_WLAN = None
# The key is used, never printed.

import sys

try:
    import json
except ImportError:
    json = None


def _safe(probe):
    # Each probe may fail on some board; its failure is a fact too.
    try:
        return probe()
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return {"error": "%s: %s" % (type(error).__name__, error)}


def _board():
    facts = {"platform": sys.platform}
    impl = sys.implementation
    facts["implementation"] = impl.name
    facts["version"] = ".".join([str(part) for part in impl.version[:3]])
    facts["machine"] = getattr(impl, "_machine", None)
    try:
        import os

        uname = os.uname()
        facts["uname"] = {
            "sysname": uname[0],
            "nodename": uname[1],
            "release": uname[2],
            "version": uname[3],
            "machine": uname[4],
        }
    except (ImportError, AttributeError):
        facts["uname"] = None
    try:
        import machine

        facts["unique_id"] = "".join(["%02x" % byte for byte in machine.unique_id()])
    except Exception:  # noqa: BLE001 - no machine module, or no unique_id
        facts["unique_id"] = None
    try:
        import mpsock

        facts["emulator"] = {
            "name": "mpsock",
            "version": mpsock.__version__,
            "profile": mpsock.current_profile()["name"],
        }
    except Exception:  # noqa: BLE001 - a real board
        facts["emulator"] = None
    return facts


def _interface_facts(interface):
    facts = {}
    for name in ("active", "isconnected"):
        method = getattr(interface, name, None)
        if method is not None:
            facts[name] = _safe(method)
    if hasattr(interface, "ifconfig"):
        facts["ifconfig"] = _safe(lambda: list(interface.ifconfig()))
    return facts


def _interfaces(network):
    found = {}
    for kind in ("WLAN", "LAN", "WINC"):
        factory = getattr(network, kind, None)
        if factory is not None:
            found[kind] = _safe(lambda: _interface_facts(_open_interface(network, kind)))  # noqa: B023
    return found


def _open_interface(network, kind):
    factory = getattr(network, kind)
    if kind == "WLAN" and hasattr(network, "STA_IF"):
        return factory(network.STA_IF)
    return factory()


def _network():
    try:
        import network
    except ImportError:
        return None
    return {"interfaces": _interfaces(network)}


def _connect_wlan(request):
    if request is None:
        return None
    ssid, key, timeout_s = request
    facts = {"ssid": ssid}
    try:
        import time

        import network

        wlan = network.WLAN(network.STA_IF)
        wlan.active(True)
        wlan.connect(ssid, key)
        waited = 0
        while not wlan.isconnected() and waited < timeout_s * 10:
            time.sleep(0.1)
            waited += 1
        facts["connected"] = wlan.isconnected()
        facts["ifconfig"] = list(wlan.ifconfig()) if facts["connected"] else None
    except Exception as error:  # noqa: BLE001 - a board without WiFi says so
        facts["connected"] = False
        facts["error"] = "%s: %s" % (type(error).__name__, error)
    return facts


def _ipv6(socket):
    if not hasattr(socket, "AF_INET6"):
        return False
    for family in (socket.AF_INET6, socket.AF_INET):
        try:
            s = socket.socket(family, socket.SOCK_DGRAM)
        except Exception:  # noqa: BLE001 - no such family, or no free socket
            continue
        try:
            s.bind(("::1", 0))
            return True
        except Exception:  # noqa: BLE001 - the address does not parse: no IPv6
            pass
        finally:
            s.close()
    return False


def _capabilities():
    import socket

    facts = {}
    try:
        import select

        facts["select_select"] = hasattr(select, "select")
        facts["select_poll"] = hasattr(select, "poll")
    except ImportError:
        facts["select_select"] = facts["select_poll"] = False
    try:
        import _thread  # noqa: F401

        facts["threads"] = True
    except ImportError:
        facts["threads"] = False
    facts["ipv6"] = _safe(lambda: _ipv6(socket))
    facts["socket_methods"] = _safe(
        lambda: sorted([name for name in dir(socket.socket) if not name.startswith("_")])
    )
    return facts


def _encode(facts):
    if json is not None:
        return json.dumps(facts)
    return repr(facts)


def _main():
    request = globals().get("_MPSOCK_WLAN")
    facts = {
        "board": _safe(_board),
        "wlan": _connect_wlan(request),
        "network": _safe(_network),
        "capabilities": _safe(_capabilities),
    }
    print("MPSOCK-FACTS " + _encode(facts))


_main()
