"""The emulated camera's attachment to the network: which interfaces (WiFi station, access point,
wired LAN) are up, how long joining takes, and the one link switch they share with faults.

The emulator has one link (the core's `set_link_up`). It is up while at least one interface
carries it. Joining (WiFi association plus DHCP, or Ethernet negotiation plus DHCP) takes the
connect time, then the link comes up from a timer, so it comes up even while the script sleeps.
A `link-down` fault drops the link without the interfaces' say: they report the loss, and a
completed (re)join brings the link back, as the camera's rejoin would.

Settings, for `mpsock run` and `mpsock-micropython` alike:
    MPSOCK_NETWORK=up|down      whether the camera starts on the network (default up: as after
                                a boot script joined the WiFi; down: only the script's own
                                connect code brings the link up)
    MPSOCK_CONNECT_TIME=2s      how long a join takes (default 2 s; 0 joins at once)
`mpsock run --network down --connect-time 500ms` set the same for one run.
"""

import os
import threading

from . import _mpsock, units

NETWORK_ENV = "MPSOCK_NETWORK"
CONNECT_TIME_ENV = "MPSOCK_CONNECT_TIME"
# A CYW43 join (scan, authentication, key handshake) plus a DHCP lease on a home network takes
# one to three seconds; Ethernet auto-negotiation plus DHCP is in the same range.
DEFAULT_CONNECT_MS = 2000.0

# Where an interface is in joining the network.
IDLE = "idle"
JOINING = "joining"
UP = "up"

# The emulated network hands out loopback: scripts that bind to or print their own address
# (ifconfig()[0]) get one the desktop can reach, and the LAN's broadcast is loopback's.
LEASE = ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
NO_ADDRESS = ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")


def start_connected_from_env():
    raw = os.environ.get(NETWORK_ENV, "up")
    value = raw.strip().lower()
    if value in ("", "up", "1", "on", "connected"):
        return True
    if value in ("down", "0", "off", "disconnected"):
        return False
    raise ValueError("%s: must be 'up' or 'down', not %r" % (NETWORK_ENV, raw))


def connect_ms_from_env():
    value = os.environ.get(CONNECT_TIME_ENV, "").strip()
    if not value:
        return DEFAULT_CONNECT_MS
    try:
        return units.milliseconds(value)
    except ValueError as error:
        raise ValueError("%s: %s" % (CONNECT_TIME_ENV, error)) from None


class Attachment:
    """One interface's state: whether it is active, how far it has joined, its addresses."""

    def __init__(self, name, mac):
        self.name = name
        self.mac = mac
        self.active = False
        self.phase = IDLE
        self.ssid = ""
        self.static_config = None  # (ip, netmask, gateway, dns) set by ifconfig/ipconfig
        self.dhcp = True
        self.generation = 0  # bumped on every join or leave, so a stale timer does nothing
        self.timer = None

    def carries_link(self):
        return self.active and self.phase == UP

    def addresses(self):
        if not self.carries_link():
            return self.static_config or NO_ADDRESS
        return self.static_config or LEASE


class CameraNetwork:
    """The interfaces and the link they share. Thread-safe: join timers run on their own
    threads."""

    def __init__(self, connect_ms=DEFAULT_CONNECT_MS):
        self.connect_ms = connect_ms
        self.lock = threading.RLock()
        self.sta = Attachment("STA", b"\x02\x00\x00\x00\x00\x01")
        self.ap = Attachment("AP", b"\x02\x00\x00\x00\x00\x02")
        self.lan = Attachment("LAN", b"\x02\x00\x00\x00\x00\x03")
        self.ap.ssid = "mpsock-ap"
        self.hostname = "mpsock"
        self.country = "XX"
        self.dns = LEASE[3]
        self._link_wanted = _mpsock.link_up()

    def attachments(self):
        return (self.sta, self.ap, self.lan)

    # ---- Joining and leaving ----

    def start_join(self, attachment, ssid=None):
        """Starts (or restarts) joining; the link is up after the connect time."""
        with self.lock:
            self._cancel_timer(attachment)
            attachment.active = True
            attachment.phase = JOINING
            if ssid is not None:
                attachment.ssid = ssid
            attachment.generation += 1
            self._sync_link()
            if self.connect_ms <= 0:
                self._joined(attachment, attachment.generation)
                return
            timer = threading.Timer(
                self.connect_ms / 1000.0, self._joined, (attachment, attachment.generation)
            )
            timer.daemon = True
            attachment.timer = timer
            timer.start()

    def bring_up_now(self, attachment, ssid=None):
        """Up at once: an access point starting, or the state after a boot script."""
        with self.lock:
            self._cancel_timer(attachment)
            attachment.active = True
            attachment.phase = UP
            if ssid is not None:
                attachment.ssid = ssid
            attachment.generation += 1
            self._sync_link(force=True)

    def leave(self, attachment, deactivate=False):
        with self.lock:
            self._cancel_timer(attachment)
            attachment.phase = IDLE
            attachment.generation += 1
            if deactivate:
                attachment.active = False
            self._sync_link()

    def activate(self, attachment):
        with self.lock:
            attachment.active = True

    def _joined(self, attachment, generation):
        with self.lock:
            if attachment.generation != generation or attachment.phase != JOINING:
                return
            attachment.phase = UP
            attachment.timer = None
            # A completed join brings the link back even after a link-down fault: the camera
            # has re-associated.
            self._sync_link(force=True)
        self.publish()

    def _cancel_timer(self, attachment):
        if attachment.timer is not None:
            attachment.timer.cancel()
            attachment.timer = None

    def _sync_link(self, force=False):
        wanted = any(a.carries_link() for a in self.attachments())
        # Only a change of what the interfaces want moves the switch, so an unrelated call does
        # not end a link-down fault early.
        if force or wanted != self._link_wanted:
            self._link_wanted = wanted
            _mpsock.set_link_up(wanted)

    def publish(self):
        """Tells the core the camera's own addresses (a script's traffic to them never comes
        back: the boards have no loopback interface) and whether it has a DNS server (without
        one, names fail with OSError(-6)). Called after every change of either."""
        with self.lock:
            own = []
            for attachment in self.attachments():
                ip = attachment.addresses()[0]
                if attachment.active and ip != NO_ADDRESS[0] and ip not in own:
                    own.append(ip)
            has_dns = self.dns not in ("", NO_ADDRESS[3])
        _mpsock.set_own_addresses(own)
        _mpsock.set_dns_server(has_dns)

    # ---- What scripts observe ----

    def link_up(self):
        return _mpsock.link_up()

    def connected(self, attachment):
        with self.lock:
            return attachment.carries_link() and _mpsock.link_up()

    def lost_link(self, attachment):
        """Joined, but the link is gone (a link-down fault): the camera is rejoining."""
        with self.lock:
            return attachment.carries_link() and not _mpsock.link_up()

    def shutdown(self):
        with self.lock:
            for attachment in self.attachments():
                self._cancel_timer(attachment)
                attachment.generation += 1


_current = None
_current_lock = threading.Lock()


def boot(start_connected=None, connect_ms=None):
    """A fresh camera network for a run, from the arguments or else the environment: on the
    network (the station joined) or off it (every interface down, the link down)."""
    global _current
    if start_connected is None:
        start_connected = start_connected_from_env()
    if connect_ms is None:
        connect_ms = connect_ms_from_env()
    if connect_ms < 0:
        raise ValueError("the connect time must not be negative")
    with _current_lock:
        if _current is not None:
            _current.shutdown()
        network = CameraNetwork(connect_ms)
        if start_connected:
            network.bring_up_now(network.sta, ssid="mpsock")
        else:
            network._sync_link(force=True)
        network.publish()
        _current = network
        return network


def current():
    """The camera network of this process (booted from the environment on first use)."""
    with _current_lock:
        if _current is not None:
            return _current
    start = _mpsock.link_up() and start_connected_from_env()
    return boot(start_connected=start)
