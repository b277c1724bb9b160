"""The virtual camera's filesystems (modvfs.MountTable over flash.FlashFilesystem), as
MicroPython's VFS layer and FAT answer: where a path goes, the current folder of each mount,
the root folder of mount points, the errors, and that no path leaves the flash folder."""

import errno
import os

import pytest
from mpsock.flash import S_IFDIR, S_IFREG, FlashFilesystem
from mpsock.modvfs import MountTable, boot_filesystem

OPENMV = {"flash_mount": "/", "epoch_year": 1970}
STM32 = {"flash_mount": "/flash", "epoch_year": 2000}


def errno_of(call, *args):
    with pytest.raises(OSError) as caught:
        call(*args)
    return caught.value.errno


@pytest.fixture
def flash(tmp_path):
    folder = tmp_path / "flash"
    folder.mkdir()
    (folder / "lib").mkdir()
    (folder / "main.py").write_text("print('main')\n")
    (folder / "lib" / "util.py").write_text("X = 1\n")
    return folder


class RecordingFs:
    """A filesystem object as a script mounts one (mpremote's RemoteFS has these methods)."""

    def __init__(self):
        self.calls = []
        self.path = "/"

    def mount(self, readonly, mkfs):
        self.calls.append(("mount", readonly, mkfs))

    def umount(self):
        self.calls.append(("umount",))

    def chdir(self, path):
        self.calls.append(("chdir", path))
        self.path = path

    def getcwd(self):
        return self.path

    def stat(self, path):
        self.calls.append(("stat", path))
        return (S_IFREG, 0, 0, 0, 0, 0, 3, 0, 0, 0)

    def ilistdir(self, path):
        return iter([("remote.py", S_IFREG, 0)])

    def open(self, path, mode):
        self.calls.append(("open", path, mode))
        return path


def test_openmv_flash_is_the_root_and_the_current_folder(flash):
    table = boot_filesystem(str(flash), OPENMV)
    assert table.getcwd() == "/"
    assert sorted(table.listdir()) == ["lib", "main.py"]
    assert table.listdir("/lib") == ["util.py"]
    assert table.stat("main.py")[0] == S_IFREG and table.stat("/lib")[0] == S_IFDIR
    with table.open("lib/util.py") as handle:
        assert handle.read() == "X = 1\n"


def test_stm32_flash_is_a_mount_point_under_the_root(flash):
    table = boot_filesystem(str(flash), STM32)
    assert table.getcwd() == "/flash"
    assert table.listdir("/") == ["flash"]
    assert list(table.ilistdir("/")) == [("flash", S_IFDIR, 0)]
    assert table.listdir("/flash/lib") == ["util.py"]
    assert table.listdir(b"/") == [b"flash"]
    table.chdir("/")
    assert table.getcwd() == "/"
    assert table.listdir("flash") == ["lib", "main.py"]  # relative to the root of mount points
    assert errno_of(table.open, "/etc/passwd") == errno.ENODEV  # under no mount point
    assert errno_of(table.open, "main.py") == errno.EPERM  # the root folder has no files
    assert errno_of(table.mkdir, "/flash") == errno.EEXIST


def test_each_mount_keeps_its_own_current_folder(flash):
    table = boot_filesystem(str(flash), STM32)
    table.chdir("lib")
    assert table.getcwd() == "/flash/lib"
    assert table.listdir() == ["util.py"]
    table.chdir("..")
    assert table.getcwd() == "/flash"
    table.chdir("..")  # `..` stops at the filesystem's root, as on the board
    assert table.getcwd() == "/flash"
    assert errno_of(table.chdir, "nowhere") == errno.ENOENT
    assert errno_of(table.chdir, "main.py") == errno.ENOENT  # FatFs: no such folder
    assert table.getcwd() == "/flash"


def test_mounting_a_filesystem_object_as_mpremote_does(flash):
    table = boot_filesystem(str(flash), OPENMV)
    remote = RecordingFs()
    table.mount(remote, "/remote")
    assert remote.calls == [("mount", False, False)]
    assert table.mount() == [(remote, "/remote"), (table.mount()[1][0], "/")]  # "/" stays last
    assert table.listdir("/") == ["remote", "lib", "main.py"]  # mount points, then the root mount's files
    table.chdir("/remote")
    assert table.getcwd() == "/remote"
    assert table.open("mod.py", "rb") == "mod.py"  # relative: to the remote filesystem
    assert table.open("/remote/pkg/x.py") == "/pkg/x.py"
    assert table.kind("mod.py") == "file"
    assert errno_of(table.rename, "/remote/a", "/b") == errno.EPERM  # not across filesystems
    assert errno_of(table.mount, RecordingFs(), "/remote") == errno.EPERM  # in use
    table.umount("/remote")
    assert remote.calls[-1] == ("umount",)
    assert table.getcwd() == "/"  # unmounting the current filesystem leaves the root current
    assert errno_of(table.umount, "/remote") == errno.EINVAL


def test_a_block_device_cannot_be_mounted(flash):
    table = boot_filesystem(str(flash), OPENMV)
    error = pytest.raises(OSError, table.mount, bytearray(512), "/sd").value
    assert error.errno == errno.ENODEV and "mpsock" in error.strerror


def test_root_with_nothing_mounted():
    table = MountTable()
    assert table.getcwd() == "/"
    assert table.listdir() == []
    assert table.stat("/")[0] == S_IFDIR
    assert table.statvfs("/")[9] == 255
    assert errno_of(table.open, "x") == errno.EPERM


def test_fat_errors(flash):
    table = boot_filesystem(str(flash), OPENMV)
    assert errno_of(table.open, "missing.py") == errno.ENOENT
    assert errno_of(table.mkdir, "lib") == errno.EEXIST
    assert errno_of(table.rmdir, "lib") == errno.EACCES  # FAT: a folder with files in it
    assert errno_of(table.remove, "lib") == errno.EISDIR
    assert errno_of(table.rmdir, "main.py") == errno.ENOTDIR
    assert errno_of(table.mkdir, "a/b") == errno.ENOENT
    error = pytest.raises(OSError, table.open, "missing.py").value
    assert error.args == (errno.ENOENT,)  # the number alone, as the board raises it


def test_files_round_trip_in_text_and_binary(flash):
    table = boot_filesystem(str(flash), OPENMV)
    with table.open("data.bin", "wb") as handle:
        handle.write(b"\x00\r\n\xff")
    assert (flash / "data.bin").read_bytes() == b"\x00\r\n\xff"
    with table.open("notes.txt", "w") as handle:
        handle.write("one\r\ntwo\n")
    with table.open("notes.txt") as handle:
        assert handle.readline() == "one\r\n"  # nothing translated; lines end at \n
    table.rename("notes.txt", "lib/notes.txt")
    assert table.listdir("lib") == ["notes.txt", "util.py"]
    table.remove("lib/notes.txt")
    table.mkdir("logs")
    table.rmdir("logs")
    assert sorted(table.listdir()) == ["data.bin", "lib", "main.py"]


def test_stat_times_count_from_the_boards_epoch(flash):
    os.utime(flash / "main.py", (1_000_000_000, 1_000_000_000))
    assert boot_filesystem(str(flash), OPENMV).stat("main.py")[8] == 1_000_000_000
    assert boot_filesystem(str(flash), STM32).stat("/flash/main.py")[8] == 1_000_000_000 - 946_684_800
    assert list(boot_filesystem(str(flash), OPENMV).ilistdir("lib")) == [("util.py", S_IFREG, 0, 6)]


def test_a_read_only_mount_refuses_writes(flash):
    table = MountTable()
    table.mount(FlashFilesystem(str(flash)), "/ro", readonly=True)
    assert table.listdir("/ro/lib") == ["util.py"]
    assert errno_of(table.open, "/ro/new.txt", "w") == errno.EROFS
    assert errno_of(table.mkdir, "/ro/new") == errno.EROFS
    assert errno_of(table.remove, "/ro/main.py") == errno.EROFS
    assert not (flash / "new.txt").exists()


def test_no_path_leaves_the_flash_folder(flash, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("host only\n")
    os.symlink(outside, flash / "escape")
    os.symlink(outside / "secret.txt", flash / "secret.txt")
    os.symlink("lib", flash / "inside")  # a link that stays in the flash is followed
    table = boot_filesystem(str(flash), OPENMV)

    assert errno_of(table.open, "../outside/secret.txt") == errno.ENOENT  # ".." stops at "/"
    assert errno_of(table.open, "/../../outside/secret.txt") == errno.ENOENT
    assert errno_of(table.open, str(outside / "secret.txt")) == errno.ENOENT  # the board's "/"
    assert errno_of(table.open, "secret.txt") == errno.EPERM
    assert errno_of(table.open, "escape/secret.txt") == errno.EPERM
    assert errno_of(table.open, "escape/new.txt", "w") == errno.EPERM
    assert errno_of(table.listdir, "escape") == errno.EPERM
    assert errno_of(table.stat, "escape") == errno.EPERM
    assert errno_of(table.chdir, "escape") == errno.EPERM
    assert errno_of(table.rename, "main.py", "escape/main.py") == errno.EPERM
    assert errno_of(table.remove, "secret.txt") == errno.EPERM
    assert sorted(table.listdir()) == ["inside", "lib", "main.py"]  # the links out are not there
    assert table.listdir("inside") == ["util.py"]
    table.chdir("..")
    assert table.getcwd() == "/"
    with table.open("../../made.txt", "w") as handle:  # lands in the flash's root
        handle.write("x")
    assert (flash / "made.txt").exists()
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert not (tmp_path / "made.txt").exists()
