"""The network module a camera script sees: `WLAN` (station and access point, as MicroPython's
CYW43 driver offers them) and `LAN`, whose active/connect/disconnect drive the emulated link.

While the link is down, sockets fail as on a camera whose WiFi dropped: connect and sendto raise
OSError(113), names do not resolve, open connections stall. Joining takes the connect time
(network_state.py says how to set it), so `while not wlan.isconnected(): time.sleep_ms(100)`
loops as on the board. Addresses are loopback's: what a script prints or binds to as its own
address is one the desktop reaches.
"""

import time as _host_time
import types

from . import _mpsock, network_state
from .network_state import JOINING, UP

STA_IF = 0
AP_IF = 1

# WLAN.status(): the CYW43 link states (MicroPython defines STAT_* as CYW43_LINK_*).
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_GOT_IP = 3
STAT_CONNECT_FAIL = -1
STAT_NO_AP_FOUND = -2
STAT_WRONG_PASSWORD = -3

# LAN.status(): eth_link_status in the ports' eth.c (0 no link, 2 link without an IP, 3 up).
LAN_NO_LINK = 0
LAN_NO_IP = 2
LAN_UP = 3


def _pm_value(mode, sleep_ret_ms, beacon_period, dtim_period, assoc):
    # cyw43_pm_value: the driver's packed power-management word.
    return assoc << 20 | dtim_period << 16 | beacon_period << 12 | (sleep_ret_ms // 10) << 4 | mode


PM_NONE = _pm_value(0, 10, 0, 0, 0)
PM_POWERSAVE = _pm_value(1, 10, 0, 0, 0)
PM_PERFORMANCE = _pm_value(2, 200, 1, 1, 10)  # CYW43_DEFAULT_PM

# The emulated access point's radio facts, fixed: a good signal on a common channel.
RSSI = -45
CHANNEL = 6
TXPOWER = 31
DESKTOP_STATION_MAC = b"\x02\x00\x00\x00\x00\x10"
DHCP_TIMEOUT_MS = 10000

# The firmware's WLAN objects are constants, one per interface: WLAN(0) is WLAN(0).
_WLAN_OBJECTS = {}  # mod_network_nic_ifconfig waits this long for ifconfig('dhcp')


def _parse_ipv4(text):
    if not isinstance(text, str):
        raise TypeError("can't convert %s to str" % type(text).__name__)
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
        raise ValueError("invalid arguments")
    return ".".join(str(int(p)) for p in parts)


def _netmask_from_prefix(bits):
    if not 0 <= bits <= 32:
        raise ValueError("invalid arguments")
    value = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _fixed_sequence(value, count):
    items = tuple(value)
    if len(items) != count:
        raise ValueError("requested length %d but object has length %d" % (count, len(items)))
    return items


def _one_query(args, kwargs):
    """config/ipconfig's calling rule: one positional name to query, or keywords to set."""
    if kwargs:
        if args:
            raise TypeError("can't specify pos and kw args")
        return None
    if len(args) != 1:
        raise TypeError("must query one param")
    return args[0]


class _Interface:
    """What every interface shares: its attachment's addresses and their configuration."""

    _attachment_name = ""

    def _net(self):
        return network_state.current()

    def _me(self):
        return getattr(self._net(), self._attachment_name)

    def ifconfig(self, *args):
        if len(args) > 1:
            raise TypeError("function takes at most 2 positional arguments")
        net, me = self._net(), self._me()
        if not args:
            return me.addresses()
        if args[0] == "dhcp":
            me.static_config = None
            me.dhcp = True
            net.publish()
            self._wait_for_lease(net, me)
            return None
        ip, netmask, gateway, dns = (_parse_ipv4(item) for item in _fixed_sequence(args[0], 4))
        with net.lock:
            me.static_config = (ip, netmask, gateway, dns)
            me.dhcp = False
            net.dns = dns
        net.publish()
        return None

    def _wait_for_lease(self, net, me):
        deadline = _host_time.monotonic() + DHCP_TIMEOUT_MS / 1000.0
        while not net.connected(me):
            if _host_time.monotonic() >= deadline:
                raise OSError("timeout waiting for DHCP to get IP address")
            _mpsock.sleep_ms(100)

    def ipconfig(self, *args, **kwargs):
        net, me = self._net(), self._me()
        key = _one_query(args, kwargs)
        if key is not None:
            ip, netmask, gateway, _ = me.addresses()
            if key == "dhcp4":
                return me.dhcp
            if key == "has_dhcp4":
                return me.dhcp and net.connected(me)
            if key == "addr4":
                return (ip, netmask)
            if key == "gw4":
                return gateway
            raise ValueError("unexpected key")
        with net.lock:
            current = list(me.addresses())
            for name, value in kwargs.items():
                if name == "dhcp4":
                    me.dhcp = bool(value)
                    if me.dhcp:
                        me.static_config = None
                        continue
                elif name == "addr4":
                    current[0:2] = self._parse_addr4(value, current[1])
                elif name == "gw4":
                    current[2] = _parse_ipv4(value)
                else:
                    raise ValueError("unexpected key")
                me.static_config = tuple(current)
        net.publish()
        return None

    @staticmethod
    def _parse_addr4(value, netmask):
        if value is None:
            return ["0.0.0.0", "0.0.0.0"]
        if isinstance(value, str):
            address, _, prefix = value.partition("/")
            if prefix:
                netmask = _netmask_from_prefix(int(prefix))
            return [_parse_ipv4(address), netmask]
        address, mask = _fixed_sequence(value, 2)
        return [_parse_ipv4(address), _parse_ipv4(mask)]


class WLAN(_Interface):
    """network.WLAN(interface_id): the station (STA_IF, the default) or the access point (any
    other number). One object per interface, as in the firmware."""

    IF_STA = STA_IF
    IF_AP = AP_IF
    PM_NONE = PM_NONE
    PM_PERFORMANCE = PM_PERFORMANCE
    PM_POWERSAVE = PM_POWERSAVE

    def __new__(cls, *args):
        if len(args) > 1:
            raise TypeError("function takes at most 1 positional arguments")
        interface = STA_IF
        if args:
            if not isinstance(args[0], int):
                raise TypeError("can't convert %s to int" % type(args[0]).__name__)
            interface = STA_IF if args[0] == 0 else AP_IF
        if interface not in _WLAN_OBJECTS:
            instance = super().__new__(cls)
            instance._interface = interface
            instance._attachment_name = "sta" if interface == STA_IF else "ap"
            instance._pm = PM_PERFORMANCE
            _WLAN_OBJECTS[interface] = instance
        return _WLAN_OBJECTS[interface]

    def _is_station(self):
        return self._interface == STA_IF

    def active(self, *args):
        if len(args) > 1:
            raise TypeError("function takes at most 2 positional arguments")
        net, me = self._net(), self._me()
        if not args:
            return me.active
        if args[0]:
            if self._is_station():
                net.activate(me)
            else:
                net.bring_up_now(me)
        else:
            net.leave(me, deactivate=True)
        return None

    def connect(
        self, ssid=None, key=None, *, bssid=None, auth=-1, channel=-1, security=-1, essid=None, password=None
    ):
        if not self._is_station():
            raise ValueError("STA required")
        ssid = ssid if ssid is not None else essid
        if ssid is None:
            raise TypeError("'ssid' argument required")
        if not isinstance(ssid, (str, bytes)):
            raise TypeError("object with buffer protocol required")
        if bssid is not None and len(bssid) != 6:
            raise ValueError("")
        if isinstance(ssid, bytes):
            ssid = ssid.decode()
        self._net().start_join(self._me(), ssid=ssid)

    def disconnect(self):
        self._net().leave(self._me())

    def deinit(self):
        self._net().leave(self._me(), deactivate=True)

    def isconnected(self):
        net, me = self._net(), self._me()
        return net.connected(me)

    def status(self, *args):
        if len(args) > 1:
            raise TypeError("function takes at most 2 positional arguments")
        net, me = self._net(), self._me()
        if args:
            return self._status_param(net, me, args[0])
        if not self._is_station():
            return STAT_GOT_IP if me.carries_link() else STAT_IDLE
        if not me.active or me.phase not in (JOINING, UP):
            return STAT_IDLE
        if me.phase == JOINING or net.lost_link(me):
            return STAT_CONNECTING
        return STAT_GOT_IP

    def _status_param(self, net, me, name):
        if name == "rssi":
            if not self._is_station():
                raise ValueError("STA required")
            return RSSI
        if name == "stations":
            if self._is_station():
                raise ValueError("AP required")
            return [(DESKTOP_STATION_MAC,)] if me.carries_link() else []
        raise ValueError("unknown status param")

    def scan(self, *, passive=False, ssid=None, essid=None, bssid=None):
        me = self._me()
        if not (self._is_station() and me.active):
            raise OSError("STA must be active")
        name = me.ssid or "mpsock"
        # (ssid, bssid, channel, RSSI, security, hidden): the one network on the emulated air.
        return [(name.encode(), b"\x02\x00\x00\x00\x00\xaa", CHANNEL, RSSI, 4, 1)]

    def config(self, *args, **kwargs):
        net, me = self._net(), self._me()
        key = _one_query(args, kwargs)
        if key is not None:
            if key == "mac":
                return me.mac
            if key in ("ssid", "essid"):
                return me.ssid
            if key == "channel":
                return CHANNEL
            if key == "hostname":
                return net.hostname
            if key == "txpower":
                return TXPOWER
            if key == "pm":
                return self._pm
            raise ValueError("unknown config param")
        for name, value in kwargs.items():
            if name in ("ssid", "essid"):
                me.ssid = value.decode() if isinstance(value, bytes) else str(value)
            elif name == "hostname":
                _set_hostname(net, value)
            elif name == "pm":
                self._pm = int(value)
            elif name not in ("key", "password", "channel", "security", "txpower", "antenna", "monitor"):
                raise ValueError("unknown config param")
        return None

    def __repr__(self):
        net, me = self._net(), self._me()
        if not me.active or me.phase == network_state.IDLE:
            state = "down"
        elif me.phase == JOINING or net.lost_link(me):
            state = "join"
        else:
            state = "up"
        return "<CYW43 %s %s %s>" % ("STA" if self._is_station() else "AP", state, me.addresses()[0])


class LAN(_Interface):
    """network.LAN(): the wired Ethernet interface. Bringing it up takes the connect time
    (auto-negotiation and a DHCP lease)."""

    _attachment_name = "lan"
    _instance = None

    def __new__(cls, *args, phy_type=None, phy_addr=None, ref_clk_mode=None):
        if len(args) > 1:
            raise TypeError("function takes at most 1 positional arguments")
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def active(self, *args):
        if len(args) > 1:
            raise TypeError("function takes at most 2 positional arguments")
        net, me = self._net(), self._me()
        if not args:
            return me.active
        if args[0]:
            if not me.active:
                net.start_join(me)
        else:
            net.leave(me, deactivate=True)
        return None

    def isconnected(self):
        return self._net().connected(self._me())

    def status(self):
        net, me = self._net(), self._me()
        if not me.active or net.lost_link(me):
            return LAN_NO_LINK
        return LAN_UP if me.phase == UP else LAN_NO_IP

    def config(self, *args, **kwargs):
        me = self._me()
        key = _one_query(args, kwargs)
        if key is not None:
            if key == "mac":
                return me.mac
            raise ValueError("unknown config param")
        for name in kwargs:
            if name not in ("trace", "low_power"):
                raise ValueError("unknown config param")
        return None

    def __repr__(self):
        me = self._me()
        return "<LAN status=%d ip=%s>" % (self.status(), me.addresses()[0])


def _set_hostname(net, name):
    if not isinstance(name, str):
        raise TypeError("can't convert %s to str" % type(name).__name__)
    if len(name) > 32:  # MICROPY_PY_NETWORK_HOSTNAME_MAX_LEN
        raise ValueError("hostname too long")
    net.hostname = name


def hostname(*args):
    net = network_state.current()
    if not args:
        return net.hostname
    _set_hostname(net, args[0])
    return None


def country(*args):
    net = network_state.current()
    if not args:
        return net.country
    code = args[0]
    if not isinstance(code, str) or len(code) != 2:
        raise ValueError("invalid country code")
    net.country = code
    return None


def ipconfig(*args, **kwargs):
    """network.ipconfig: the DNS server and the preferred IP version."""
    net = network_state.current()
    key = _one_query(args, kwargs)
    if key is not None:
        if key == "dns":
            return net.dns
        if key == "prefer":
            return 4
        raise ValueError("unexpected key")
    for name, value in kwargs.items():
        if name == "dns":
            net.dns = _parse_ipv4(value)
        elif name == "prefer":
            if value not in (4, 6):
                raise ValueError("invalid prefer argument")
        else:
            raise ValueError("unexpected key")
    net.publish()
    return None


def make_module(name="network"):
    module = types.ModuleType(name)
    for value in (WLAN, LAN, hostname, country, ipconfig):
        setattr(module, value.__name__, value)
    for key in (
        "STA_IF",
        "AP_IF",
        "STAT_IDLE",
        "STAT_CONNECTING",
        "STAT_GOT_IP",
        "STAT_CONNECT_FAIL",
        "STAT_NO_AP_FOUND",
        "STAT_WRONG_PASSWORD",
    ):
        setattr(module, key, globals()[key])
    return module
