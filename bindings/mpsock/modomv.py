"""The omv module a camera script sees: the board's firmware version and identity, from the
profile (the core's Profile: OpenMV's OMV_BOARD_TYPE and OMV_BOARD_ARCH of the board)."""

import hashlib
import types

from . import _mpsock


def make_module(name="omv"):
    profile = _mpsock.current_profile()
    camera = profile["camera"]
    major, minor, patch = (int(part) for part in camera["firmware"].split("."))
    # A fixed ID per profile (24 hex digits: the 96-bit unique ID the board reads from its MCU).
    board_id = hashlib.sha256(("mpsock board " + profile["name"]).encode()).hexdigest()[:24].upper()
    module = types.ModuleType(name)
    module.version_major = lambda: major
    module.version_minor = lambda: minor
    module.version_patch = lambda: patch
    module.version_string = lambda: camera["firmware"]
    module.arch = lambda: camera["arch"] or "mpsock " + profile["name"]
    module.board_type = lambda: camera["board_type"] or profile["name"]
    module.board_id = lambda: board_id
    module.disable_fb = lambda disable=None: False if disable is None else None
    return module
