"""Profiles by name, as `mpsock profiles` lists them and `mpsock run --profile` applies them."""

import mpsock
import pytest

SHORT_WRITE = """
import socket, sys
s = socket.socket()
s.settimeout(5)
s.connect(("127.0.0.1", int(sys.argv[1])))
print("send took", s.send(b"x" * 40000))
print("recv got", len(s.recv(20000)))
s.close()
"""


def _known(name):
    return name in [p["name"] for p in mpsock.profiles()]


def test_every_board_profile_cites_its_lwipopts():
    for profile in mpsock.profiles():
        if profile["name"] != "desktop":
            assert (
                "lwipopts.h" in profile["source"] and "TCP_MSS %d" % profile["tcp_mss"] in profile["source"]
            )


def test_profiles_command_lists_the_generic_stm32_build(run_mpsock):
    if not _known("stm32-generic"):
        pytest.skip("the installed _mpsock extension predates stm32-generic: rebuild it")
    out = run_mpsock("profiles").stdout
    row = next(line for line in out.splitlines() if line.startswith("stm32-generic"))
    assert row.split()[1:5] == ["800", "6400", "6400", "8000"]
    assert "stm32-generic: MicroPython's generic STM32 build" in out


def test_profiles_command_says_who_each_board_is(run_mpsock):
    out = run_mpsock("profiles").stdout
    assert "sys.platform mimxrt, OpenMV IMXRT1060 with MIMXRT1062DVJ6A" in out
    assert "sys.platform alif, OpenMV AE3" in out


@pytest.mark.parametrize(
    "name, send_buffer, mss", [("openmv-n6", 16 * 1460, 1460), ("stm32-generic", 6400, 800)]
)
def test_run_under_a_profile_takes_its_limits(run_mpsock, script, native_server, name, send_buffer, mss):
    if not _known(name):
        pytest.skip("the installed _mpsock extension predates %s: rebuild it" % name)

    def handler(conn):
        received = 0
        while received < send_buffer:
            received += len(conn.recv(65536))
        conn.sendall(b"y" * 5000)
        conn.recv(1)

    server = native_server(handler)
    result = run_mpsock("run", "--profile", name, script(SHORT_WRITE), str(server.port), timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["send took %d" % send_buffer, "recv got %d" % mss]
