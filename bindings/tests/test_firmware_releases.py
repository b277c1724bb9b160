"""The MicroPython release a profile follows (docs/firmware-behaviour.md §11): `mpsock profiles`
names it, `mpsock run --firmware` and MPSOCK_FIRMWARE choose an older one, and what changed
between releases changes with it. Also the facts of this round measured on real lwIP that a
script sees: data kept on a peer's reset, -6 without a DNS server."""

import socket as native
import struct
import time

import pytest

import mpsock
from mpsock.modules import script_modules

SURFACE = """
import socket
names = ("TCP_NODELAY", "MSG_PEEK", "SO_RCVTIMEO")
print(" ".join(name for name in names if hasattr(socket, name)) or "none")
"""


def test_profiles_name_their_firmware_and_release(run_mpsock):
    out = run_mpsock("profiles").stdout
    assert "openmv-rt1062 firmware: OpenMV firmware 5.0.0, MicroPython v1.28.0 (no loopback interface" in out
    assert "desktop firmware: mpsock (no camera limits), MicroPython v1.28.0 (SO_SNDTIMEO/SO_RCVTIMEO)" in out
    assert "v1.28.0  data received before a peer's reset is read before the reset is reported" in out
    for profile in mpsock.profiles():
        assert profile["micropython"] == "1.28.0"


@pytest.mark.parametrize(
    "release, names", [("1.22", "none"), ("1.23", "TCP_NODELAY"), ("1.26", "TCP_NODELAY MSG_PEEK")]
)
def test_run_follows_an_older_release(run_mpsock, run_micropython, script, release, names):
    path = script(SURFACE)
    assert run_mpsock("run", "--firmware", release, path).stdout.split("\n")[0] == names
    assert run_micropython(path, env={"MPSOCK_FIRMWARE": "v%s.0" % release}).stdout.strip() == names


def test_a_release_the_emulator_cannot_follow_is_refused(run_mpsock, run_micropython, script):
    path = script(SURFACE)
    bad = run_mpsock("run", "--firmware", "1.9", path)
    assert bad.returncode == 2 and "a MicroPython release from 1.22.0 to 1.28.0" in bad.stderr
    env_bad = run_micropython(path, env={"MPSOCK_FIRMWARE": "soon"})
    assert env_bad.returncode == 2 and "unknown firmware 'soon'" in env_bad.stderr
    with pytest.raises(ValueError):
        mpsock.use_profile("openmv-rt1062", "1.29")


def test_recv_takes_flags_from_v126(emu):
    mpsock.use_profile("openmv-rt1062", "1.25")
    older = script_modules()["socket"]
    u = older.socket(older.AF_INET, older.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    with pytest.raises(TypeError):
        u.recv(10, 2)
    u.close()


@pytest.fixture
def resetting_peer():
    """A desktop server that sends 18 bytes and then resets the connection."""
    listener = native.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5)

    def reset_after_data():
        conn, _ = listener.accept()
        conn.sendall(b"d" * 18)
        conn.setsockopt(native.SOL_SOCKET, native.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    yield listener.getsockname(), reset_after_data
    listener.close()


@pytest.mark.parametrize("release", ["1.28", "1.27"])
def test_a_reset_after_data(resetting_peer, release):
    address, reset_after_data = resetting_peer
    mpsock.use_profile("openmv-rt1062", release)
    socket, select = script_modules()["socket"], script_modules()["select"]
    s = socket.socket()
    s.connect(address)
    reset_after_data()
    poller = select.poll()
    poller.register(s, select.POLLIN)
    deadline = time.monotonic() + 5
    while not (poller.poll(100) or [(None, 0)])[0][1] & select.POLLHUP and time.monotonic() < deadline:
        pass
    outcomes = []
    for _ in range(4):
        try:
            outcomes.append(s.recv(10))
        except OSError as error:
            outcomes.append(error.errno)
    s.close()
    if release == "1.28":  # kept, then the reset once, then the end
        assert outcomes == [b"d" * 10, b"d" * 8, 104, b""]
    else:  # thrown away with the reset
        assert outcomes == [104, b"", b"", b""]


def test_without_a_dns_server_names_fail_with_minus_6():
    mpsock.use_profile("openmv-rt1062")
    mpsock.use_system_resolver(False)
    modules = script_modules()
    socket, network = modules["socket"], modules["network"]
    mpsock.add_host("camera-server.lan", "127.0.0.1")
    wlan = network.WLAN(network.STA_IF)
    wlan.ifconfig(("192.0.2.20", "255.255.255.0", "192.0.2.1", "0.0.0.0"))  # no DNS server
    with pytest.raises(OSError) as info:
        socket.getaddrinfo("camera-server.lan", 80)
    assert info.value.errno == -6
    assert socket.getaddrinfo("10.1.2.3", 80)[0][-1] == ("10.1.2.3", 80)
    network.ipconfig(dns="192.0.2.1")  # a DNS server again: the name resolves
    assert socket.getaddrinfo("camera-server.lan", 80)[0][-1] == ("127.0.0.1", 80)
    wlan.ifconfig("dhcp")
