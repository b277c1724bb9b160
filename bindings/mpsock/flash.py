"""The board's flash filesystem: a folder on the host that scripts see as the camera's flash
(a FAT filesystem, as OpenMV formats it), with the methods MicroPython's VFS layer calls on a
mounted filesystem (extmod/vfs.c calls them on extmod/vfs_fat.c's VfsFat): mount, umount,
open, ilistdir, stat, statvfs, mkdir, rmdir, remove, rename, chdir, getcwd. modvfs.MountTable
mounts it where the profile says (`flash_mount`).

Paths stay inside the folder, as on the board: `..` stops at the filesystem's root, an
absolute path is the board's (the folder's root, never the host's), and a symbolic link placed
in the folder on the host that leads out of it is refused with OSError(EPERM) (the board has
no links; a script cannot make one). Errors carry the firmware's errno: the host's numbers,
which are MicroPython's for these calls, except a non-empty folder, which FAT refuses to remove
with EACCES.

Where the emulator cannot be the camera's flash: names are case-sensitive (FAT's are not), any
name the host allows is allowed, and statvfs gives the host disk's sizes.
"""

import errno
import os
import stat as _stat

from .moderrno import oserror

S_IFDIR = 0x4000
S_IFREG = 0x8000
NAME_MAX = 255  # FatFs's FF_MAX_LFN: statvfs's f_namemax

# Where FatFs answers differently from the host (vfs_fat.c's fresult_to_errno_table).
_FAT_ERRNO = {errno.ENOTEMPTY: errno.EACCES}
_WRITING_MODES = frozenset("wax+")


def _board_error(error):
    """The OSError a board raises for a host error: the number only (OSError(2), printed
    "[Errno 2] ENOENT"), as MicroPython's filesystems raise it."""
    number = error.errno if error.errno is not None else errno.EIO
    return oserror(_FAT_ERRNO.get(number, number))


class FlashFilesystem:
    """One host folder as a board filesystem. `epoch_offset` is the Unix time of the board's
    epoch (stat's times count from it)."""

    def __init__(self, folder, epoch_offset=0):
        self.folder = os.path.abspath(folder)
        self.real_folder = os.path.realpath(self.folder)
        self.epoch_offset = epoch_offset
        self.readonly = False
        self.cwd = "/"

    def __repr__(self):
        return "<VfsFlash>"

    # ---- paths ----

    def board_path(self, path):
        """The absolute path inside this filesystem: relative paths start at its current folder,
        `.` and empty parts go, `..` goes up but never above the root."""
        if isinstance(path, bytes):
            path = path.decode()
        if not isinstance(path, str):
            raise TypeError("path must be a str, not %s" % type(path).__name__)
        if not path.startswith("/"):
            path = self.cwd + "/" + path
        parts = []
        for part in path.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
        return "/" + "/".join(parts)

    def host_path(self, path):
        """The host file behind a board path; OSError(EPERM) when a link leads out of the folder."""
        board = self.board_path(path)
        host = self.folder + board if board != "/" else self.folder
        real = os.path.realpath(host)
        if real != self.real_folder and not real.startswith(self.real_folder + os.sep):
            raise oserror(errno.EPERM)
        return host

    def _writable(self):
        if self.readonly:
            raise oserror(errno.EROFS)

    # ---- the VFS protocol ----

    def mount(self, readonly, mkfs):
        self.readonly = bool(readonly)

    def umount(self):
        pass

    def open(self, path, mode="r"):
        if not isinstance(mode, str):
            raise TypeError("mode must be a str")
        if _WRITING_MODES.intersection(mode):
            self._writable()
        host = self.host_path(path)
        if os.path.isdir(host):
            # FatFs: a folder is no file to read (FR_NO_FILE), nor to write (FR_DENIED).
            raise oserror(errno.EACCES if _WRITING_MODES.intersection(mode) else errno.ENOENT)
        try:
            if "b" in mode:
                return open(host, mode)
            # MicroPython's text files: UTF-8, lines end at \n only, nothing translated.
            return open(host, mode, encoding="utf-8", newline="\n")
        except OSError as error:
            raise _board_error(error) from None

    def ilistdir(self, path=""):
        host = self.host_path(path)
        try:
            names = sorted(os.listdir(host))
        except OSError as error:
            raise _board_error(error) from None
        return self._entries(host, names, isinstance(path, bytes))

    def _entries(self, host, names, as_bytes):
        for name in names:
            entry = os.path.join(host, name)
            real = os.path.realpath(entry)
            if not real.startswith(self.real_folder + os.sep):
                continue  # a host link out of the folder: not on the board
            try:
                info = os.stat(entry)
            except OSError:
                continue
            is_dir = _stat.S_ISDIR(info.st_mode)
            yield (
                name.encode() if as_bytes else name,
                S_IFDIR if is_dir else S_IFREG,
                0,
                0 if is_dir else info.st_size,
            )

    def stat(self, path):
        host = self.host_path(path)
        try:
            info = os.stat(host)
        except OSError as error:
            raise _board_error(error) from None
        is_dir = _stat.S_ISDIR(info.st_mode)
        seconds = max(0, int(info.st_mtime) - self.epoch_offset)
        return (
            S_IFDIR if is_dir else S_IFREG,
            0,
            0,
            0,
            0,
            0,
            0 if is_dir else info.st_size,
            seconds,
            seconds,
            seconds,
        )

    def statvfs(self, path):
        host = self.host_path(path)
        try:
            info = os.statvfs(host)
        except OSError as error:
            raise _board_error(error) from None
        return (info.f_bsize, info.f_frsize, info.f_blocks, info.f_bfree, info.f_bavail, 0, 0, 0, 0, NAME_MAX)

    def mkdir(self, path):
        self._writable()
        self._call(os.mkdir, path)

    def rmdir(self, path):
        self._writable()
        if self.board_path(path) == "/":
            raise oserror(errno.EACCES)
        self._call(os.rmdir, path)

    def remove(self, path):
        self._writable()
        self._call(os.remove, path)

    def rename(self, old, new):
        self._writable()
        old_host, new_host = self.host_path(old), self.host_path(new)
        try:
            os.rename(old_host, new_host)
        except OSError as error:
            raise _board_error(error) from None

    def chdir(self, path):
        host = self.host_path(path)
        if not os.path.isdir(host):
            raise oserror(errno.ENOENT)  # FatFs's f_chdir: FR_NO_PATH, for a file too
        self.cwd = self.board_path(path)

    def getcwd(self):
        return self.cwd

    def _call(self, function, path):
        host = self.host_path(path)
        try:
            function(host)
        except OSError as error:
            raise _board_error(error) from None
