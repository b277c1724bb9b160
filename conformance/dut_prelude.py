# The DUT's end of the harness, put before every case's `dut` function and run on the target.
# It is MicroPython-subset code (read as text by the harness, never imported by it): only sys
# and socket, no f-strings, every print flushed so the host sees each line as it happens.
import socket
import sys


def _flush():
    try:
        sys.stdout.flush()
    except AttributeError:  # some ports' stdout has no flush and needs none
        pass


class Control:
    """What the harness gives a case: the host peer's addresses, facts about the target, and
    the control channel (lines starting with MARK: to the host on stdout, from it on stdin)."""

    MARK = "#ctl "

    def __init__(self, host_ip, peer_port, refusing_port, own_port, facts):
        self.host_ip = host_ip
        self.facts = facts
        self.peer_port = peer_port
        self.own_port = own_port
        # Addresses in the interpreter's own form (a tuple on lwIP, a sockaddr elsewhere), as
        # portable MicroPython network tests build them.
        self.peer = self.address(host_ip, peer_port)
        self.refusing = self.address(host_ip, refusing_port)
        self.bind_addr = self.address("0.0.0.0", own_port)

    def address(self, ip, port):
        return socket.getaddrinfo(ip, port)[0][-1]

    def send(self, name, value=""):
        print(self.MARK + name + " " + str(value))
        _flush()

    def wait(self, name):
        """Blocks until the host sends `name`; returns the value sent with it."""
        prefix = self.MARK + name + " "
        while True:
            line = sys.stdin.readline()
            if not line:
                raise SystemExit  # the host went away
            line = line.rstrip("\r\n")
            if (line + " ").startswith(prefix):
                return line[len(prefix) :]

    def until_readable(self, sock, timeout_ms=3000):
        """Waits until `sock` has something for recv (data, EOF or a reset), so the case's
        next step does not depend on how fast the network is. True if it came in time."""
        import select

        poller = select.poll()
        poller.register(sock, select.POLLIN)
        ready = poller.poll(timeout_ms)
        poller.unregister(sock)
        return len(ready) > 0

    def fill(self, sock, limit=20000):
        """Queues data on a TCP socket whose peer does not read until its send buffer is
        full (a non-blocking send raises EAGAIN). Leaves the socket non-blocking; returns
        the bytes queued, or -1 if the buffer never filled."""
        sock.setblocking(False)
        chunk = bytes(1000)
        queued = 0
        for _ in range(limit):
            try:
                queued += sock.send(chunk)
            except OSError as e:
                if e.args[0] == 11:
                    return queued
                raise
        return -1

    def keep_full(self, sock, rounds=30, limit=20000):
        """After fill(): tops the send buffer up until it stays full. An ACK for data that was
        in flight when fill() saw EAGAIN frees room a moment later (on a fast link, between two
        calls), so this waits 100 ms and queues more until a pause frees nothing: then the
        peer's window is shut and nothing is in flight. True once it stays full."""
        import time

        chunk = bytes(1000)
        for _ in range(rounds):
            time.sleep_ms(100)
            took = 0
            for _ in range(limit):
                try:
                    took += sock.send(chunk)
                except OSError as e:
                    if e.args[0] == 11:
                        break
                    raise
            if took == 0:
                return True
        return False

    def send_until_error(self, sock, tries=20):
        """Blocking sends of 1000 bytes (under the socket's timeout) to a peer that does not
        read, until one raises; returns (errno, ms that send waited), or (None, 0). A host
        peer may still take a few bytes at a zero-window probe, which lets a send through;
        once its window stays shut, a send times out."""
        import time

        for _ in range(tries):
            started = time.ticks_ms()
            try:
                sock.send(bytes(1000))
            except OSError as e:
                return e.args[0], time.ticks_diff(time.ticks_ms(), started)
        return None, 0

    def skip(self, reason):
        self.send("skip", reason)
        raise SystemExit
