"""The vfs module a script sees on the virtual camera, and the board's filesystems behind it, os
and open(): MicroPython's mount table (extmod/vfs.c). Filesystems are mounted at points such as
"/" or "/flash"; a path goes to the filesystem whose mount point starts it, with the rest of the
path; a relative path goes to the current filesystem, which keeps its own current folder; "/"
with nothing mounted there is a folder of the mount points. Any object with the VFS methods
(mount, umount, open, ilistdir, stat, statvfs, mkdir, rmdir, remove, rename, chdir, getcwd)
can be mounted, as mpremote's remote filesystem is by `mpremote mount`.

At boot the flash (flash.py, a host folder) is mounted at the profile's `flash_mount` and is the
current folder. `mpsock run` has no board filesystem: its os functions use the host's folder
(modos.FILESYSTEM) and `import vfs` says mpsock has no stand-in there.
"""

import errno
import types

from .flash import S_IFDIR, FlashFilesystem
from .moderrno import oserror

NAME_MAX = 255  # statvfs's f_namemax for "/" with nothing mounted (MICROPY_ALLOC_PATH_MAX)

# What a path resolves to besides a mount: the root folder of mount points, or no filesystem.
ROOT = "root"
NO_MOUNT = "none"


class Mount:
    def __init__(self, point, fs):
        self.point = point
        self.fs = fs


class MountTable:
    """The board's mounted filesystems and its current one (vfs.c's vfs_mount_table and
    vfs_cur). Anything mounted at "/" stays last, so mounts below it are found first."""

    def __init__(self):
        self.mounts = []
        self.current = ROOT

    # ---- path lookup (mp_vfs_lookup_path) ----

    def lookup(self, path):
        """(mount, path inside it), or (ROOT, None) for the root folder, (NO_MOUNT, None) for an
        absolute path under no mount point."""
        if isinstance(path, bytes):
            path = path.decode()
        if not isinstance(path, str):
            raise TypeError("path must be a str, not %s" % type(path).__name__)
        if path.startswith("/") or self.current is ROOT:
            absolute = path.startswith("/")
            rest = path[1:] if absolute else path
            if rest == "":
                return ROOT, None
            for mount in self.mounts:
                if mount.point == "/":
                    return mount, "/" + rest if absolute else rest
                name = mount.point[1:]
                if rest.startswith(name):
                    after = rest[len(name) :]
                    if after.startswith("/"):
                        return mount, after
                    if after == "":
                        return mount, "/"
            if absolute:
                return NO_MOUNT, None
        return self.current, path

    def _call(self, mount, method, *args):
        if mount is NO_MOUNT:
            raise oserror(errno.ENODEV)
        if mount is ROOT:
            raise oserror(errno.EPERM)
        return getattr(mount.fs, method)(*args)

    def _root_mount(self):
        for mount in self.mounts:
            if mount.point == "/":
                return mount
        return None

    # ---- mounting ----

    def mount(self, fs=None, mount_point=None, *, readonly=False, mkfs=False):
        """vfs.mount(fs, mount_point, readonly=False, mkfs=False); with no arguments, the list
        of (filesystem, mount point)."""
        if fs is None and mount_point is None:
            return [(mount.fs, mount.point) for mount in self.mounts]
        if not isinstance(mount_point, str):
            raise TypeError("mount point must be a str")
        if not hasattr(fs, "mount"):
            raise OSError(
                errno.ENODEV,
                "mpsock: mounting a block device needs a FAT or littlefs driver, which mpsock does not "
                "have; mount a filesystem object (the flash is mounted at boot)",
            )
        new = Mount(mount_point, fs)
        fs.mount(readonly, mkfs)
        existing, _ = self.lookup(mount_point)
        if existing is not NO_MOUNT and existing is not ROOT:
            if not (mount_point != "/" and existing.point == "/"):
                raise oserror(errno.EPERM)  # mount point in use
        root = self._root_mount()
        self.mounts.insert(self.mounts.index(root) if root else len(self.mounts), new)

    def umount(self, mount_point):
        for mount in self.mounts:
            if mount.point == mount_point or mount.fs is mount_point:
                break
        else:
            raise oserror(errno.EINVAL)
        self.mounts.remove(mount)
        if self.current is mount:
            self.current = ROOT
        mount.fs.umount()

    # ---- the os functions ----

    def open(self, file, mode="r", buffering=-1, encoding=None, *args, **kwargs):
        # The board ignores buffering and encoding (UTF-8 always).
        mount, path = self.lookup(file)
        return self._call(mount, "open", path, mode)

    def chdir(self, path):
        mount, inside = self.lookup(path)
        if mount is ROOT:
            # Changing to "/" with a filesystem mounted there starts that one's relative paths
            # at its root too.
            root = self._root_mount()
            if root is not None:
                root.fs.chdir("/")
        else:
            self._call(mount, "chdir", inside)
        self.current = mount

    def getcwd(self):
        if self.current is ROOT:
            return "/"
        cwd = self.current.fs.getcwd()
        if self.current.point == "/":
            return cwd
        return self.current.point + ("" if cwd == "/" else cwd)

    def ilistdir(self, path=""):
        mount, inside = self.lookup(path)
        if mount is ROOT:
            return self._root_entries(isinstance(path, bytes))
        return self._call(mount, "ilistdir", inside)

    def _root_entries(self, as_bytes):
        for mount in list(self.mounts):
            if mount.point == "/":
                yield from mount.fs.ilistdir("/")
                return
            name = mount.point[1:]
            yield (name.encode() if as_bytes else name, S_IFDIR, 0)

    def listdir(self, path=""):
        return [entry[0] for entry in self.ilistdir(path)]

    def mkdir(self, path):
        mount, inside = self.lookup(path)
        if mount is ROOT or (mount is not NO_MOUNT and inside == "/"):
            raise oserror(errno.EEXIST)
        return self._call(mount, "mkdir", inside)

    def remove(self, path):
        mount, inside = self.lookup(path)
        return self._call(mount, "remove", inside)

    def rmdir(self, path):
        mount, inside = self.lookup(path)
        return self._call(mount, "rmdir", inside)

    def rename(self, old, new):
        old_mount, old_inside = self.lookup(old)
        new_mount, new_inside = self.lookup(new)
        if old_mount is not new_mount:
            raise oserror(errno.EPERM)  # not across filesystems
        return self._call(old_mount, "rename", old_inside, new_inside)

    def stat(self, path):
        mount, inside = self.lookup(path)
        if mount is ROOT:
            return (S_IFDIR, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return self._call(mount, "stat", inside)

    def statvfs(self, path):
        mount, inside = self.lookup(path)
        if mount is ROOT:
            mount = self._root_mount()
            if mount is None:
                return (0, 0, 0, 0, 0, 0, 0, 0, 0, NAME_MAX)
            inside = "/"
        return self._call(mount, "statvfs", inside)

    def sync(self):
        return None

    # ---- for the importer and the boot ----

    def kind(self, path):
        """ "dir", "file" or None, as MicroPython's import asks (mp_vfs_import_stat): any error
        means there is nothing there."""
        mount, inside = self.lookup(path)
        if mount is ROOT or mount is NO_MOUNT:
            return None
        try:
            mode = mount.fs.stat(inside)[0]
        except Exception:  # noqa: BLE001 - a user filesystem may raise anything
            return None
        return "dir" if mode & S_IFDIR else "file"

    def read_bytes(self, path):
        with self.open(path, "rb") as handle:
            return bytes(handle.read())


def board_filesystem(board):
    """The run's mount table, or None when the run has no flash (`mpsock run`)."""
    options = getattr(board, "options", None) or {}
    folder = options.get("flash")
    if not folder:
        return None
    return board.shared("filesystem", lambda: boot_filesystem(folder, board.profile))


def boot_filesystem(folder, profile):
    """The board's filesystems at boot: the flash mounted at the profile's mount point, and
    current."""
    import calendar  # here, not at the top: mpsock run imports this module and never boots a flash

    epoch = calendar.timegm((profile["epoch_year"], 1, 1, 0, 0, 0, 0, 1, 0))
    table = MountTable()
    table.mount(FlashFilesystem(folder, epoch), profile["flash_mount"])
    table.chdir(profile["flash_mount"])
    return table


def make_module(board):
    table = board_filesystem(board)
    if table is None:
        raise ImportError("mpsock: vfs is the virtual camera's (mpsock run uses the host's folder)")
    module = types.ModuleType("vfs")
    module.mount = table.mount
    module.umount = table.umount
    return module
