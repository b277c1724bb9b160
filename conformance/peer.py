"""The host part's side of a case: native CPython sockets on the host address, every wait
with a timeout, and the control channel to the DUT.

Before the DUT starts, the peer listens on one port for TCP (backlog 8) and UDP alike (the DUT
reaches it as `ctl.peer`) and holds a bound, non-listening TCP port that refuses connections
(`ctl.refusing`). The DUT's own servers use `ctl.own_port`, which the peer reaches with
connect()."""

import random
import socket as native

PEER_TIMEOUT = 5.0  # any single socket wait of the host part
SIGNAL_TIMEOUT = 10.0  # a wait for the DUT's next control line


def free_port(host_ip):
    with native.socket() as probe:
        probe.bind((host_ip, 0))
        return probe.getsockname()[1]


class Peer:
    def __init__(self, host_ip, dut_ip, facts, local):
        self.host_ip = host_ip
        self.dut_ip = dut_ip
        self.facts = dict(facts)
        self.channel = None
        self._sockets = []
        self.listener, self.udp = self._tcp_and_udp_pair()
        self.port = self.listener.getsockname()[1]
        refusing = self.track(native.socket())
        refusing.bind((host_ip, 0))
        self.refusing_port = refusing.getsockname()[1]
        # On this machine a free port is known; on a board any port below lwIP's range for
        # ephemeral ports (TCP_LOCAL_PORT_RANGE_START, 0xc000) is free.
        self.own_port = free_port(host_ip) if local else random.randint(40000, 48999)

    def _tcp_and_udp_pair(self):
        for _ in range(20):
            tcp = native.socket()
            tcp.bind((self.host_ip, 0))
            udp = native.socket(native.AF_INET, native.SOCK_DGRAM)
            try:
                udp.bind((self.host_ip, tcp.getsockname()[1]))
            except OSError:
                tcp.close()
                udp.close()
                continue
            tcp.listen(8)
            for sock in (tcp, udp):
                sock.settimeout(PEER_TIMEOUT)
                self.track(sock)
            return tcp, udp
        raise OSError("no port free for both TCP and UDP on %s" % self.host_ip)

    def track(self, sock):
        """Closes `sock` with the peer, when the case is over."""
        self._sockets.append(sock)
        return sock

    def accept(self, timeout=PEER_TIMEOUT, listener=None):
        """The next connection from the DUT to `ctl.peer` (or to `listener`)."""
        (listener or self.listener).settimeout(timeout)
        conn, _ = (listener or self.listener).accept()
        conn.settimeout(PEER_TIMEOUT)
        return self.track(conn)

    def connect(self, port=None, timeout=PEER_TIMEOUT):
        """A connection to the DUT's server on `ctl.own_port` (or `port`)."""
        sock = self.track(native.socket())
        sock.settimeout(timeout)
        sock.connect((self.dut_ip, port or self.own_port))
        return sock

    def listen(self, backlog=8, receive_buffer=None):
        """A further TCP listener on the host address; returns (socket, port). With
        `receive_buffer`, its connections take little data before their window closes, so
        a DUT sending to them soon has a full send buffer."""
        sock = self.track(native.socket())
        if receive_buffer:
            sock.setsockopt(native.SOL_SOCKET, native.SO_RCVBUF, receive_buffer)
        sock.bind((self.host_ip, 0))
        sock.listen(backlog)
        sock.settimeout(PEER_TIMEOUT)
        return sock, sock.getsockname()[1]

    def unanswering_port(self):
        """A port whose listener's accept queue is full: the host drops SYNs to it, so a
        connect there stays in progress until it times out."""
        _, port, _ = self.slow_listener()
        return port

    def slow_listener(self):
        """A listener that answers no SYN until `answer()` is called: (listener, port, answer).
        Until then a connect to it stays in progress, however fast the link; after it, the
        DUT's next SYN retransmission (about 1 s later on this machine, 3 s on lwIP) connects,
        and peer.accept(listener=listener) returns that connection."""
        listener, port = self.listen(0)
        filler = self.track(native.socket())
        filler.settimeout(PEER_TIMEOUT)
        filler.connect((self.host_ip, port))  # fills the one-slot queue of backlog 0

        def answer():
            listener.accept()[0].close()  # takes the filler: the queue has room again

        return listener, port, answer

    def udp_socket(self):
        sock = self.track(native.socket(native.AF_INET, native.SOCK_DGRAM))
        sock.bind((self.host_ip, 0))
        sock.settimeout(PEER_TIMEOUT)
        return sock

    def wait(self, name, timeout=SIGNAL_TIMEOUT):
        """Waits for the DUT's `ctl.send(name, value)`; returns the value (a string)."""
        return self.channel.wait(name, timeout)

    def send(self, name, value=""):
        """Releases the DUT's `ctl.wait(name)`, which returns `value` as a string."""
        self.channel.send(name, value)

    def close(self):
        for sock in reversed(self._sockets):
            try:
                sock.close()
            except OSError:
                pass
        self._sockets = []
