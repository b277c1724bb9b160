"""Native CPython peers for the example scripts: the other end of each conversation, on
127.0.0.1, recording what it saw. Every socket call has a timeout; every thread is a daemon."""

import re
import socket
import threading
import time

PEER_TIMEOUT = 10.0


def _listener(backlog=8):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(backlog)
    sock.settimeout(PEER_TIMEOUT)
    return sock


def read_line(conn):
    """One line, without its newline; None at EOF."""
    data = b""
    while not data.endswith(b"\n"):
        byte = conn.recv(1)
        if not byte:
            return None if not data else data
        data += byte
    return data.rstrip(b"\r\n")


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        piece = conn.recv(n - len(data))
        if not piece:
            raise ConnectionError("closed after %d of %d bytes" % (len(data), n))
        data += piece
    return data


class TcpPeer:
    """A server on 127.0.0.1 that runs `handle(conn, index)` for each connection in turn."""

    def __init__(self, handle):
        self.sock = _listener()
        self.port = self.sock.getsockname()[1]
        self.handle = handle
        self.connections = 0
        self.errors = []
        self._open = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(PEER_TIMEOUT)
            self._open.append(conn)
            index = self.connections
            self.connections += 1
            try:
                self.handle(conn, index)
            except Exception as error:  # noqa: BLE001 - kept for the test to report
                self.errors.append(error)
            finally:
                conn.close()

    def close(self):
        for sock in [self.sock] + self._open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.thread.join(PEER_TIMEOUT)


class HttpServer(TcpPeer):
    """Answers each GET with `body` and records the request lines."""

    def __init__(self, body):
        self.body = body
        self.requests = []
        super().__init__(self._answer)

    def _answer(self, conn, index):
        request = b""
        while b"\r\n\r\n" not in request:
            piece = conn.recv(1024)
            if not piece:
                return
            request += piece
        self.requests.append(request.split(b"\r\n\r\n")[0].decode())
        head = (
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nServer: peer\r\n\r\n"
            % len(self.body)
        )
        conn.sendall(head.encode() + self.body)


class ReadingCollector(TcpPeer):
    """The reconnecting client's server: acknowledges each 'reading N' with 'ok N'. With
    `reset_after`, the first connection is reset (RST) once it has acknowledged that many."""

    def __init__(self, reset_after=None):
        self.readings = []
        self.reset_after = reset_after
        self.said_bye = False
        super().__init__(self._ack)

    def _ack(self, conn, index):
        acked = 0
        while True:
            line = read_line(conn)
            if line is None:
                return
            if line == b"bye":
                self.said_bye = True
                return
            number = int(line.split()[1])
            self.readings.append(number)
            if index == 0 and self.reset_after is not None and acked == self.reset_after:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return  # closing with linger 0 sends RST
            conn.sendall(b"ok %d\n" % number)
            acked += 1


class MqttBroker(TcpPeer):
    """Enough of an MQTT broker: CONNACK for CONNECT, PINGRESP for PINGREQ, PUBLISH recorded.
    With `ignore_first_ping`, the first session's first PINGREQ goes unanswered."""

    def __init__(self, ignore_first_ping=False):
        self.connects = []  # (client id, keep-alive)
        self.published = []  # (topic, message)
        self.pings = 0
        self.disconnected = False
        self.ignore_first_ping = ignore_first_ping
        super().__init__(self._session)

    def _read_packet(self, conn):
        first = conn.recv(1)
        if not first:
            return None, b""
        length, shift = 0, 0
        while True:
            digit = read_exactly(conn, 1)[0]
            length |= (digit & 0x7F) << shift
            shift += 7
            if not digit & 0x80:
                break
        return first[0] & 0xF0, read_exactly(conn, length)

    def _session(self, conn, index):
        ignored = False
        while True:
            kind, body = self._read_packet(conn)
            if kind is None:
                return
            if kind == 0x10:
                assert body[:6] == b"\x00\x04MQTT" and body[6] == 4, body
                keepalive = body[8] << 8 | body[9]
                id_length = body[10] << 8 | body[11]
                self.connects.append((body[12 : 12 + id_length].decode(), keepalive))
                conn.sendall(b"\x20\x02\x00\x00")
            elif kind == 0x30:
                topic_length = body[0] << 8 | body[1]
                self.published.append(
                    (body[2 : 2 + topic_length].decode(), body[2 + topic_length :].decode())
                )
            elif kind == 0xC0:
                self.pings += 1
                if self.ignore_first_ping and index == 0 and not ignored:
                    ignored = True
                    continue
                conn.sendall(b"\xd0\x00")
            elif kind == 0xE0:
                self.disconnected = True
                return


class UdpCollector:
    """A dashboard: receives datagrams on a port of 127.0.0.1 (broadcasts to loopback's
    broadcast address included), and can answer the sender."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("0.0.0.0", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = []  # (payload, sender address)
        self._stop = threading.Event()
        self.reply_after = None
        self.reply = None
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self):
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            self.datagrams.append((data, addr))
            if self.reply_after is not None and len(self.datagrams) == self.reply_after:
                self.sock.sendto(self.reply, addr)

    def sequence_numbers(self):
        return [int(re.match(rb"seq=(\d+)", data).group(1)) for data, _ in self.datagrams]

    def close(self):
        self._stop.set()
        self.thread.join(PEER_TIMEOUT)
        self.sock.close()


def read_mjpeg(port, frames, timeout=PEER_TIMEOUT):
    """Connects to an MJPEG server, reads `frames` parts and returns (headers, [jpeg bytes])."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        conn.sendall(b"GET /stream HTTP/1.0\r\nHost: camera\r\n\r\n")
        stream = conn.makefile("rb")
        headers = []
        while True:
            line = stream.readline().rstrip(b"\r\n")
            if not line:
                break
            headers.append(line.decode())
        boundary = re.search(r"boundary=(\S+)", " ".join(headers)).group(1).encode()
        jpegs = []
        for _ in range(frames):
            assert stream.readline().rstrip(b"\r\n") == b"--" + boundary
            part_headers = {}
            while True:
                line = stream.readline().rstrip(b"\r\n")
                if not line:
                    break
                name, _, value = line.decode().partition(":")
                part_headers[name.strip().lower()] = value.strip()
            jpegs.append(stream.read(int(part_headers["content-length"])))
            assert stream.read(2) == b"\r\n"
        return headers, jpegs
    finally:
        conn.close()


def talk(port, lines, timeout=PEER_TIMEOUT, pause=0.0):
    """A poll-server client: sends each line, reads each reply; returns the replies."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    replies = []
    try:
        for line in lines:
            conn.sendall(line + b"\n")
            replies.append(read_line(conn))
            time.sleep(pause)
        return replies
    finally:
        conn.close()
