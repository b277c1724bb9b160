# An RTSP server in the style of OpenMV's rtsp library (a test fixture written for mpsock):
# one client at a time; OPTIONS, DESCRIBE, SETUP (RTP over UDP or interleaved in the TCP
# connection), PLAY, TEARDOWN; JPEG frames as RTP payload type 26 (RFC 2435).
import random
import select
import socket
import struct
import time

_MTU = 1400


def _scan_data(jpeg):
    # RFC 2435 carries the entropy-coded data only: skip the markers up to and including the
    # start-of-scan header, drop the end-of-image marker.
    i = 2
    while i < len(jpeg):
        marker = jpeg[i + 1]
        length = (jpeg[i + 2] << 8) | jpeg[i + 3]
        i += 2 + length
        if marker == 0xDA:
            break
    end = len(jpeg) - 2 if jpeg[-2:] == b"\xff\xd9" else len(jpeg)
    return memoryview(jpeg)[i:end]


class rtsp_server:
    def __init__(self, network_if, port=554):
        self._myip = network_if.ifconfig()[0]
        self._port = port
        self._setup_cb = self._play_cb = self._pause_cb = self._teardown_cb = None
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(["0.0.0.0", port])
        self._server.listen(1)
        self._udp = None
        self._seq = random.getrandbits(16)
        self._ssrc = random.getrandbits(30)
        print("IP Address:Port %s:%d\nRunning..." % (self._myip, port))

    def register_setup_cb(self, cb):
        self._setup_cb = cb

    def register_play_cb(self, cb):
        self._play_cb = cb

    def register_pause_cb(self, cb):
        self._pause_cb = cb

    def register_teardown_cb(self, cb):
        self._teardown_cb = cb

    def _reply(self, client, seq, extra=""):
        client.sendall("RTSP/1.0 200 OK\r\nCSeq: %d\r\n%s\r\n" % (seq, extra))

    def _read_request(self, client):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(1024)
            if not chunk:
                return None
            data += chunk
        return data.decode().split("\r\n")

    def _handle(self, client, addr, lines):
        request, url = lines[0].split(" ")[:2]
        headers = {}
        for line in lines[1:]:
            if ": " in line:
                key, value = line.split(": ", 1)
                headers[key] = value
        seq = int(headers["CSeq"])
        self._pathname = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        if request == "OPTIONS":
            self._reply(client, seq, "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n")
        elif request == "DESCRIBE":
            sdp = ("v=0\r\no=- %d %d IN IP4 %s\r\ns=OpenMV Video\r\nt=0 0\r\n"
                   "m=video 0 RTP/AVP 26\r\na=control:trackID=0\r\n" % (self._session, 1, self._myip))
            # The reply's closing CRLF follows the SDP: it counts in the length.
            self._reply(client, seq, "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(sdp) + 2, sdp))
        elif request == "SETUP":
            transport = headers["Transport"]
            if "interleaved=" in transport:
                self._tcp = True
                self._channel = int(transport.split("interleaved=")[1].split("-")[0])
            else:
                self._tcp = False
                port = int(transport.split("client_port=")[1].split("-")[0])
                self._dest = (addr[0], port)
                if self._udp is None:
                    self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._reply(client, seq, "Transport: %s\r\nSession: %d\r\n" % (transport, self._session))
            if self._setup_cb:
                self._setup_cb(self._pathname, self._session)
        elif request == "PLAY":
            self._playing = True
            self._reply(client, seq, "Session: %d\r\n" % self._session)
            if self._play_cb:
                self._play_cb(self._pathname, self._session)
        elif request == "TEARDOWN":
            self._playing = False
            self._reply(client, seq, "Session: %d\r\n" % self._session)
            if self._teardown_cb:
                self._teardown_cb(self._pathname, self._session)
            return False
        else:
            client.sendall("RTSP/1.0 501 Not Implemented\r\nCSeq: %d\r\n\r\n" % seq)
        return True

    def _send_packet(self, client, packet):
        if self._tcp:
            client.sendall(struct.pack(">BBH", 0x24, self._channel, len(packet)) + packet)
        else:
            self._udp.sendto(packet, self._dest)

    def _send_jpeg(self, client, img, quality):
        scan = _scan_data(img.bytearray())
        timestamp = (time.ticks_us() * 9 // 100) & 0xFFFFFFFF
        w8, h8 = img.width() // 8, img.height() // 8
        offset = 0
        while offset < len(scan):
            n = min(len(scan) - offset, _MTU - 20)
            last = offset + n >= len(scan)
            header = struct.pack(">BBHII", 0x80, 26 | (0x80 if last else 0), self._seq, timestamp, self._ssrc)
            # type 0: 4:2:2 subsampling; Q: the quality, so the receiver derives the tables.
            jpeg_header = struct.pack(">I", offset & 0xFFFFFF) + bytes([0, quality, w8, h8])
            self._send_packet(client, header + jpeg_header + bytes(scan[offset:offset + n]))
            self._seq = (self._seq + 1) & 0xFFFF
            offset += n

    def stream(self, image_callback, quality=90, clients=1):
        for _ in range(clients):
            client, addr = self._server.accept()
            client.settimeout(10.0)
            self._session = random.getrandbits(30)
            self._playing = False
            poller = select.poll()
            poller.register(client, select.POLLIN)
            open_ = True
            while open_:
                if self._playing:
                    img = image_callback(self._pathname, self._session)
                    img = img.to_jpeg(quality=quality, subsampling=image_subsampling_422)
                    self._send_jpeg(client, img, quality)
                    events = poller.poll(0)
                else:
                    events = poller.poll(10000)
                if events:
                    lines = self._read_request(client)
                    open_ = lines is not None and self._handle(client, addr, lines)
            client.close()
        self._server.close()
        if self._udp:
            self._udp.close()


try:
    import image

    image_subsampling_422 = image.JPEG_SUBSAMPLING_422
except ImportError:
    image_subsampling_422 = 0
