"""The os module a camera script sees: os.uname() of the board (from the profile), urandom, and
the filesystem functions MicroPython's os has: on the virtual camera over the board's mounted
filesystems (modvfs.py: the flash, what mpremote mounts), under `mpsock run` over the host's
files (relative to the current folder, where `mpsock run` was started)."""

import os as _host_os
import types

from .modsys import AttrTuple


def uname(profile):
    version = profile["micropython_version"]
    return AttrTuple(
        sysname=profile["platform"],
        nodename=profile["platform"],
        release=version,
        version="v%s on mpsock" % version,
        machine=profile["machine"],
    )


def ilistdir(path="."):
    """(name, type, inode, size) for each entry, MicroPython's order and types (0x4000 a folder,
    0x8000 a file)."""
    for entry in _host_os.scandir(path):
        kind = 0x4000 if entry.is_dir() else 0x8000
        size = 0 if kind == 0x4000 else entry.stat().st_size
        yield (entry.name, kind, 0, size)


def listdir(path="."):
    return sorted(_host_os.listdir(path))


def stat(path):
    # A plain 10-tuple of ints, as MicroPython gives it.
    return tuple(int(value) for value in _host_os.stat(path)[:10])


def statvfs(path):
    return tuple(_host_os.statvfs(path))


def sync():
    return None


# The filesystem part of the module, by name, over the host's files; the virtual camera's board
# has its mount table's instead (BOARD_FILESYSTEM).
FILESYSTEM = {
    "getcwd": _host_os.getcwd,
    "chdir": _host_os.chdir,
    "listdir": listdir,
    "ilistdir": ilistdir,
    "stat": stat,
    "statvfs": statvfs,
    "mkdir": _host_os.mkdir,
    "rmdir": _host_os.rmdir,
    "remove": _host_os.remove,
    "rename": _host_os.rename,
    "sync": sync,
}


# The names the os module takes from a board's mount table (modvfs.MountTable).
BOARD_FILESYSTEM = tuple(FILESYSTEM) + ("mount", "umount")


def make_module(board):
    from .modvfs import board_filesystem

    profile = board.profile
    module = types.ModuleType("os")
    module.sep = "/"
    module.uname = lambda: uname(profile)
    module.urandom = _host_os.urandom
    table = board_filesystem(board)
    if table is not None:
        for name in BOARD_FILESYSTEM:
            setattr(module, name, getattr(table, name))
    else:
        for name, function in FILESYSTEM.items():
            setattr(module, name, function)
    if profile["host_modules"]:
        # The desktop profile: CPython's os beyond the board's.
        module.__getattr__ = lambda name: getattr(_host_os, name)
    return module
