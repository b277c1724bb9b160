"""The MPSOCK_* environment variables, each checked as its command-line option is: a value that
is not one the option takes is an error naming the variable (exit status 2 from `mpsock run`
and `mpsock-micropython`), never a silent default. An empty variable is an unset one.

    MPSOCK_PROFILE=NAME          the board profile (`--profile`; exact name, see `mpsock profiles`)
    MPSOCK_FIRMWARE=VERSION      the MicroPython release the profile follows (`--firmware`, e.g. 1.24)
    MPSOCK_LATENCY=TIME          a round trip added to the link (`--latency`, e.g. 2ms)
    MPSOCK_NETWORK=up|down       start on the network or off it (`--network`)
    MPSOCK_CONNECT_TIME=TIME     how long joining takes (`--connect-time`)
    MPSOCK_OFFLINE=1|0           resolve only numeric addresses and --host names (`--offline`)
    MPSOCK_GC=camera|eager       when a socket dropped without close() closes (`--gc`)
    MPSOCK_STRICT=1|0            say where the script relied on the camera's dialect (`--strict`)

(MPSOCK_WLAN_SSID and MPSOCK_WLAN_KEY, for a real camera, are free text.)
"""

import os

from . import _mpsock, network_state, units

PROFILE_ENV = "MPSOCK_PROFILE"
FIRMWARE_ENV = "MPSOCK_FIRMWARE"
LATENCY_ENV = "MPSOCK_LATENCY"
OFFLINE_ENV = "MPSOCK_OFFLINE"
GC_ENV = "MPSOCK_GC"
STRICT_ENV = "MPSOCK_STRICT"

_TRUE = ("1", "yes", "true", "on")
_FALSE = ("0", "no", "false", "off")


def profile_names():
    return [profile["name"] for profile in _mpsock.profiles()]


def check_profile(name):
    """`name` if it is a profile's (exactly); ValueError saying which names are."""
    known = profile_names()
    if name not in known:
        raise ValueError("unknown profile %r (known: %s)" % (name, ", ".join(known)))
    return name


def _named(variable, check, value):
    try:
        return check(value)
    except ValueError as error:
        raise ValueError("%s: %s" % (variable, error)) from None


def profile_from_env():
    """The profile MPSOCK_PROFILE names, or None when it is unset or empty."""
    value = os.environ.get(PROFILE_ENV, "")
    return _named(PROFILE_ENV, check_profile, value) if value else None


def check_firmware(text):
    """`text` if it names a MicroPython release the emulator follows ('1.24', 'v1.24.0');
    ValueError saying which it follows."""
    _mpsock.check_firmware(text)
    return text


def firmware_from_env():
    """The release MPSOCK_FIRMWARE names, or None when it is unset or empty."""
    value = os.environ.get(FIRMWARE_ENV, "")
    return _named(FIRMWARE_ENV, check_firmware, value) if value else None


def check_latency(text):
    """The round trip `text` names, in milliseconds, checked as `--latency` is."""
    latency_ms = units.milliseconds(text)
    _mpsock.check_conditions(latency_ms=latency_ms)
    return latency_ms


def latency_from_env():
    """The round trip MPSOCK_LATENCY adds, in milliseconds, or None when it is unset or empty."""
    value = os.environ.get(LATENCY_ENV, "")
    return _named(LATENCY_ENV, check_latency, value) if value else None


def _yes_or_no(variable):
    value = os.environ.get(variable, "").strip().lower()
    if not value:
        return False
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        "%s: must be 1 or 0 (yes/no, true/false, on/off), not %r" % (variable, os.environ[variable])
    )


def offline_from_env():
    return _yes_or_no(OFFLINE_ENV)


def strict_from_env():
    return _yes_or_no(STRICT_ENV)


GC_MODES = ("camera", "eager")


def gc_mode_from_env():
    """The mode MPSOCK_GC names, or None when it is unset or empty."""
    value = os.environ.get(GC_ENV, "")
    if value and value not in GC_MODES:
        raise ValueError("%s: unknown gc mode %r (known: %s)" % (GC_ENV, value, ", ".join(GC_MODES)))
    return value or None


def check_environment():
    """Raises ValueError, naming the variable, for the first MPSOCK_* setting that is bad."""
    profile_from_env()
    firmware_from_env()
    latency_from_env()
    offline_from_env()
    gc_mode_from_env()
    strict_from_env()
    network_state.start_connected_from_env()
    network_state.connect_ms_from_env()
