"""The network module's WLAN and LAN stand-ins: joining takes the connect time, the link they
carry is the emulated stack's, sockets fail while it is down, and the surface follows
MicroPython's network module (CYW43 driver, lwIP ipconfig)."""

import socket as native
import time

import mpsock
import pytest
from mpsock import _mpsock, modnetwork, network_state
from mpsock.modules import script_modules

JOIN_MS = 150


@pytest.fixture
def network():
    """A fresh stack and a camera network on it; the default state is restored afterwards."""
    mpsock.use_profile("openmv-rt1062")
    mpsock.use_system_resolver(False)
    yield modnetwork.make_module()
    network_state.boot(start_connected=True)
    mpsock.use_profile("openmv-rt1062")


@pytest.fixture
def listener():
    sock = native.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    yield sock
    sock.close()


def wait_until(condition, timeout=3.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within %gs" % timeout
        time.sleep(0.01)


def test_starts_on_the_network_as_after_a_boot_script(network):
    network_state.boot(start_connected=True)
    wlan = network.WLAN(network.STA_IF)
    assert wlan.active() and wlan.isconnected()
    assert wlan.status() == network.STAT_GOT_IP == 3
    assert wlan.ifconfig() == ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
    assert _mpsock.link_up()


def test_starting_off_the_network_fails_sockets_as_a_dropped_wifi_does(network, listener):
    network_state.boot(start_connected=False)
    wlan = network.WLAN(network.STA_IF)
    assert not wlan.active() and not wlan.isconnected()
    assert wlan.status() == network.STAT_IDLE == 0
    assert wlan.ifconfig() == ("0.0.0.0",) * 4
    s = mpsock.socket.socket()
    with pytest.raises(OSError) as error:
        s.connect(listener.getsockname())
    assert error.value.args[0] == 113
    mpsock.add_host("collector.lan", "127.0.0.1")
    with pytest.raises(OSError) as error:
        mpsock.socket.getaddrinfo("collector.lan", 80)
    assert error.value.args[0] == -2


def test_joining_takes_the_connect_time(network, listener):
    network_state.boot(start_connected=False, connect_ms=JOIN_MS)
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    started = time.monotonic()
    wlan.connect("home", "secret")
    assert wlan.status() == network.STAT_CONNECTING
    assert not wlan.isconnected() and not _mpsock.link_up()
    wait_until(wlan.isconnected)
    assert time.monotonic() - started >= (JOIN_MS - 5) / 1000.0
    assert wlan.status() == network.STAT_GOT_IP
    assert wlan.config("ssid") == "home"
    s = mpsock.socket.socket()
    s.connect(listener.getsockname())
    s.close()


def test_the_link_comes_up_while_the_script_sleeps(network):
    network_state.boot(start_connected=False, connect_ms=JOIN_MS)
    network.WLAN(network.STA_IF).connect("home", "secret")
    mpsock.time.sleep_ms(JOIN_MS + 100)
    assert _mpsock.link_up()


def test_a_zero_connect_time_joins_at_once(network):
    network_state.boot(start_connected=False, connect_ms=0)
    wlan = network.WLAN(network.STA_IF)
    wlan.connect("home")
    assert wlan.isconnected()


def test_disconnect_takes_the_link_down(network):
    network_state.boot(start_connected=True)
    wlan = network.WLAN(network.STA_IF)
    wlan.disconnect()
    assert not wlan.isconnected() and not _mpsock.link_up()
    assert wlan.status() == network.STAT_IDLE
    u = mpsock.socket.socket(mpsock.socket.AF_INET, mpsock.socket.SOCK_DGRAM)
    with pytest.raises(OSError) as error:
        u.sendto(b"x", ("127.0.0.1", 9))
    assert error.value.args[0] == 113
    wlan.active(False)
    assert not wlan.active()


def test_a_link_down_fault_shows_as_a_lost_association(network):
    network_state.boot(start_connected=True)
    wlan = network.WLAN(network.STA_IF)
    _mpsock.add_fault("link-down for 200ms")
    assert not wlan.isconnected()
    assert wlan.status() == network.STAT_CONNECTING
    assert "join" in repr(wlan)
    wait_until(wlan.isconnected)
    assert wlan.status() == network.STAT_GOT_IP


def test_rejoining_ends_a_link_down_that_has_no_end(network):
    network_state.boot(start_connected=True, connect_ms=JOIN_MS)
    wlan = network.WLAN(network.STA_IF)
    _mpsock.add_fault("link-down")
    assert not wlan.isconnected()
    wlan.connect("home", "secret")
    wait_until(wlan.isconnected)
    assert _mpsock.link_up()


def test_an_unrelated_change_does_not_end_a_fault(network):
    network_state.boot(start_connected=True)
    _mpsock.add_fault("link-down")
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    wlan.config(pm=network.WLAN.PM_NONE)
    network.WLAN(network.AP_IF).active(False)
    network.LAN().active(False)
    assert not wlan.isconnected() and not _mpsock.link_up()


def test_one_object_per_interface(network):
    assert network.WLAN() is network.WLAN(network.STA_IF)
    assert network.WLAN(1) is network.WLAN(5) is not network.WLAN(0)
    assert network.WLAN.IF_STA == network.STA_IF == 0 and network.WLAN.IF_AP == network.AP_IF == 1
    assert network.LAN() is network.LAN()
    with pytest.raises(TypeError):
        network.WLAN(0, 1)
    with pytest.raises(TypeError):
        network.WLAN("sta")


def test_access_point(network):
    network_state.boot(start_connected=False)
    ap = network.WLAN(network.AP_IF)
    assert not ap.active() and not ap.isconnected()
    ap.config(ssid="camera-ap", key="12345678")
    ap.active(True)
    assert ap.isconnected() and _mpsock.link_up()
    assert ap.config("ssid") == "camera-ap"
    assert len(ap.status("stations")) == 1
    with pytest.raises(ValueError):
        ap.status("rssi")
    with pytest.raises(ValueError):
        ap.connect("other")
    ap.active(False)
    assert not _mpsock.link_up()


def test_wired_lan_negotiates_then_gets_a_lease(network):
    network_state.boot(start_connected=False, connect_ms=JOIN_MS)
    lan = network.LAN()
    assert lan.status() == 0 and not lan.active()
    lan.active(True)
    assert lan.active() and lan.status() == 2 and not lan.isconnected()
    wait_until(lan.isconnected)
    assert lan.status() == 3 and _mpsock.link_up()
    assert lan.ifconfig()[0] == "127.0.0.1" and len(lan.config("mac")) == 6
    lan.active(False)
    assert lan.status() == 0 and not _mpsock.link_up()


def test_status_scan_and_config(network):
    network_state.boot(start_connected=True)
    wlan = network.WLAN(network.STA_IF)
    assert wlan.status("rssi") < 0
    with pytest.raises(ValueError):
        wlan.status("stations")
    with pytest.raises(ValueError):
        wlan.status("nope")
    ((ssid, bssid, channel, rssi, _security, _hidden),) = wlan.scan()
    assert ssid == b"mpsock" and len(bssid) == 6 and channel > 0 and rssi < 0
    assert len(wlan.config("mac")) == 6
    with pytest.raises(TypeError):
        wlan.config()
    with pytest.raises(TypeError):
        wlan.config("mac", "ssid")
    with pytest.raises(TypeError):
        wlan.config("mac", pm=0)
    with pytest.raises(ValueError):
        wlan.config("nope")
    with pytest.raises(ValueError):
        wlan.config(nope=1)
    wlan.config(pm=network.WLAN.PM_NONE, hostname="cam1")
    assert wlan.config("pm") == network.WLAN.PM_NONE and network.hostname() == "cam1"
    assert network.WLAN.PM_PERFORMANCE == 0xA11142
    wlan.active(False)
    with pytest.raises(OSError):
        wlan.scan()


def test_ifconfig_and_ipconfig(network):
    network_state.boot(start_connected=True)
    wlan = network.WLAN(network.STA_IF)
    assert wlan.ipconfig("addr4") == ("127.0.0.1", "255.0.0.0")
    assert wlan.ipconfig("gw4") == "127.0.0.1"
    assert wlan.ipconfig("dhcp4") is True and wlan.ipconfig("has_dhcp4") is True
    wlan.ipconfig(addr4="192.168.1.50/24", gw4="192.168.1.1")
    assert wlan.ifconfig()[:3] == ("192.168.1.50", "255.255.255.0", "192.168.1.1")
    assert wlan.ipconfig("dhcp4") is True  # addresses set by hand, DHCP still asked for
    wlan.ifconfig(("10.0.0.2", "255.255.255.0", "10.0.0.1", "8.8.8.8"))
    assert wlan.ifconfig() == ("10.0.0.2", "255.255.255.0", "10.0.0.1", "8.8.8.8")
    assert wlan.ipconfig("dhcp4") is False and network.ipconfig("dns") == "8.8.8.8"
    wlan.ifconfig("dhcp")
    assert wlan.ifconfig()[0] == "127.0.0.1"
    for bad in ((("1.2.3.4", "255.0.0.0"),), (("1.2.3.999", "0.0.0.0", "0.0.0.0", "0.0.0.0"),)):
        with pytest.raises(ValueError):
            wlan.ifconfig(*bad)
    with pytest.raises(ValueError):
        wlan.ipconfig("addr6")
    with pytest.raises(ValueError):
        wlan.ipconfig(nope=1)
    with pytest.raises(TypeError):
        wlan.ipconfig()
    assert network.ipconfig("prefer") == 4
    with pytest.raises(ValueError):
        network.ipconfig(prefer=5)


def test_module_surface(network):
    names = {
        "WLAN",
        "LAN",
        "STA_IF",
        "AP_IF",
        "STAT_IDLE",
        "STAT_CONNECTING",
        "STAT_GOT_IP",
        "STAT_CONNECT_FAIL",
        "STAT_NO_AP_FOUND",
        "STAT_WRONG_PASSWORD",
        "hostname",
        "country",
        "ipconfig",
    }
    assert names <= set(dir(network))
    assert (network.STAT_CONNECT_FAIL, network.STAT_NO_AP_FOUND, network.STAT_WRONG_PASSWORD) == (-1, -2, -3)
    assert "network" in script_modules()
    network.country("GB")
    assert network.country() == "GB"
    with pytest.raises(ValueError):
        network.hostname("x" * 33)


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.delenv(network_state.NETWORK_ENV, raising=False)
    monkeypatch.delenv(network_state.CONNECT_TIME_ENV, raising=False)
    assert network_state.start_connected_from_env() is True
    assert network_state.connect_ms_from_env() == network_state.DEFAULT_CONNECT_MS == 2000
    monkeypatch.setenv(network_state.NETWORK_ENV, "down")
    monkeypatch.setenv(network_state.CONNECT_TIME_ENV, "0.5s")
    assert network_state.start_connected_from_env() is False
    assert network_state.connect_ms_from_env() == 500
    monkeypatch.setenv(network_state.NETWORK_ENV, "sideways")
    with pytest.raises(ValueError):
        network_state.start_connected_from_env()
    monkeypatch.setenv(network_state.CONNECT_TIME_ENV, "soon")
    with pytest.raises(ValueError):
        network_state.connect_ms_from_env()


# ---- Through the commands ----

JOIN_LOOP = """
import network, time
wlan = network.WLAN(network.STA_IF)
print("connected at start:", wlan.isconnected())
wlan.active(True)
wlan.connect("home", "secret")
start = time.ticks_ms()
while not wlan.isconnected():
    time.sleep_ms(20)
print("joined after at least 250 ms:", time.ticks_diff(time.ticks_ms(), start) >= 250)
print(wlan.ifconfig()[0])
"""


def test_run_off_the_network_with_a_connect_time(run_mpsock, script):
    result = run_mpsock("run", "--network", "down", "--connect-time", "300ms", script(JOIN_LOOP))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "connected at start: False",
        "joined after at least 250 ms: True",
        "127.0.0.1",
    ]


def test_network_settings_from_the_environment(run_micropython, script):
    path = script("import network\nprint(network.WLAN(network.STA_IF).isconnected())\n")
    assert run_micropython(path, env={"MPSOCK_NETWORK": "down"}).stdout == "False\n"
    assert run_micropython(path, env={"MPSOCK_NETWORK": "up"}).stdout == "True\n"
    result = run_micropython(path, env={"MPSOCK_CONNECT_TIME": "never"})
    assert result.returncode != 0 and "MPSOCK_CONNECT_TIME" in result.stderr


def test_bad_network_options_are_refused(run_mpsock, script):
    path = script("print('ran')\n")
    assert run_mpsock("run", "--network", "sideways", path).returncode == 2
    result = run_mpsock("run", "--connect-time", "soon", path)
    assert result.returncode == 2 and "bad time" in result.stderr
