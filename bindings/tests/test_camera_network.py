"""Camera scripts that send pictures, end to end: OpenMV-style scripts (camera_scripts/, written
for these tests) run under `mpsock run` with the camera stand-ins, against native CPython
peers on loopback, under the default board profile and under a shaped link. The pictures the
peers get are decoded by Pillow (and ffprobe), so they are real JPEGs of the frame size the
script set."""

import base64
import http.server
import io
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import threading

import pytest
from PIL import Image

pytest.register_assert_rewrite("mpsock.pytest_plugin")
from mpsock.pytest_plugin import loaded_by_entry_point  # noqa: E402

pytest_plugins = [] if loaded_by_entry_point() else ["mpsock.pytest_plugin"]

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "camera_scripts")
SHAPED = {"latency": "40ms", "jitter": "5ms", "bandwidth": "4Mbit", "loss": "1%", "seed": 7}
PEER_TIMEOUT = 20.0


def script(name):
    return os.path.join(SCRIPTS, name)


def decoded(jpeg):
    """The picture of a JPEG file's bytes; fails unless it is one."""
    assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
    Image.open(io.BytesIO(jpeg)).verify()
    picture = Image.open(io.BytesIO(jpeg))
    picture.load()
    assert picture.format == "JPEG"
    return picture


def ffprobe(path):
    """codec,width,height of a picture file as ffprobe sees it."""
    tool = shutil.which("ffprobe")
    assert tool, "ffprobe is missing: bash .ci/install --test installs ffmpeg"
    done = subprocess.run([tool, "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0",
                           path], capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip()


# ---- A native MJPEG viewer ----


def read_multipart(port, frames):
    """Connects, asks for the stream and returns (response headers, [part bodies]): the parts of
    multipart/x-mixed-replace, each after its boundary line and headers."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT)
    try:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: camera\r\n\r\n")
        stream = conn.makefile("rb")
        headers = []
        while True:
            line = stream.readline().rstrip(b"\r\n")
            if not line:
                break
            headers.append(line.decode())
        boundary = re.search(r"boundary=(\S+)", " ".join(headers)).group(1).encode()
        parts = []
        while len(parts) < frames:
            line = stream.readline()
            assert line, "the stream ended after %d parts" % len(parts)
            line = line.rstrip(b"\r\n")
            if not line:
                continue  # the CRLF before a boundary
            assert line == b"--" + boundary, line
            fields = {}
            while True:
                field = stream.readline().rstrip(b"\r\n")
                if not field:
                    break
                name, _, value = field.decode().partition(":")
                fields[name.strip().lower()] = value.strip()
            assert fields["content-type"] == "image/jpeg"
            body = stream.read(int(fields["content-length"]))
            assert len(body) == int(fields["content-length"])
            parts.append(body)
        return headers, parts
    finally:
        conn.close()


@pytest.mark.parametrize("network", [{}, SHAPED], ids=["default-profile", "shaped"])
def test_mjpeg_streamer_sends_real_jpeg_frames(mpsock_start, mpsock_port, network, tmp_path):
    server = mpsock_start(script("mjpeg_streamer.py"), mpsock_port, 8, **network)
    server.wait_for_line("listening on port %d" % mpsock_port)
    headers, frames = read_multipart(mpsock_port, 8)
    assert headers[0] == "HTTP/1.1 200 OK"
    assert "Content-Type: multipart/x-mixed-replace;boundary=openmv" in headers
    pictures = [decoded(frame) for frame in frames]
    assert all(p.size == (320, 240) and p.mode == "RGB" for p in pictures)
    assert len(set(frames)) == 8  # a moving picture: every frame differs
    (tmp_path / "frame.jpg").write_bytes(frames[0])
    assert ffprobe(str(tmp_path / "frame.jpg")) == "mjpeg,320,240"
    result = server.wait()
    assert result.returncode == 0, result.describe()
    assert "sent 8 frames" in result.lines
    # The loop runs no faster than the board's sensor: the OV5640 gives QVGA at 120 fps (a frame
    # already waiting when a slow send ends comes at once, so the average of 8 can read a little
    # over; unpaced it would be several hundred).
    fps = float(result.lines[-1].split()[1])
    assert 0 < fps <= 140


def test_sensor_api_streamer_with_compressed_frames_and_an_led(mpsock_start, mpsock_port):
    # pyb.LED: on the stm32-based N6, not on the RT1062, which has no pyb module.
    server = mpsock_start(script("sensor_streamer.py"), mpsock_port, 5, trace=True, profile="openmv-n6")
    server.wait_for_line("listening")
    _, frames = read_multipart(mpsock_port, 5)
    pictures = [decoded(frame) for frame in frames]
    assert all(p.size == (640, 480) and p.mode == "L" for p in pictures)
    result = server.wait()
    assert result.returncode == 0, result.describe()
    assert "size 640x480" in result.lines
    leds = [(e["led"], e["on"]) for e in result.trace.events("led")]
    assert leds == [("LED_BLUE", True), ("LED_BLUE", False)] * 2 + [("LED_BLUE", True), ("LED_BLUE", False)]
    assert float(result.lines[-1].split()[1]) > 0  # (the VGA rate itself: test_camera_standins)


# ---- RTSP and RTP/JPEG (RFC 2435) ----

# JPEG's natural order of the zig-zag sequence, and the example tables of its Annex K that
# RFC 2435 scales by the Q in each packet.
ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
          14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
          53, 60, 61, 54, 47, 55, 62, 63]
LUMA = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
        29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
        121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
CHROMA = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
          47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32


def quant_tables(q):
    """RFC 2435's tables for a Q of 1-99, in zig-zag order as a DQT segment holds them."""
    q = max(1, min(99, q))
    scale = 5000 // q if q < 50 else 200 - 2 * q
    tables = []
    for base in (LUMA, CHROMA):
        scaled = [max(1, min(255, (value * scale + 50) // 100)) for value in base]
        tables.append(bytes(scaled[i] for i in ZIGZAG))
    return tables


def segments(jpeg, marker):
    found = []
    i = 2
    while i < len(jpeg) and jpeg[i + 1] != 0xDA:
        length = struct.unpack(">H", jpeg[i + 2 : i + 4])[0]
        if jpeg[i + 1] == marker:
            found.append(jpeg[i : i + 2 + length])
        i += 2 + length
    return found


def standard_huffman_tables():
    """The DHT segments of a baseline JPEG from libjpeg: its standard Huffman tables, which
    RFC 2435 receivers assume."""
    out = io.BytesIO()
    Image.new("RGB", (16, 8)).save(out, "JPEG", quality=50, subsampling=1)
    return b"".join(segments(out.getvalue(), 0xC4))


def rebuild_jpeg(kind, q, width, height, scan):
    """A JPEG file from an RTP/JPEG frame: headers made from the packets' type, Q and size (as
    RFC 2435's receivers make them) around the scan data."""
    assert kind == 0  # 4:2:2: two luma blocks across for each chroma block
    luma, chroma = quant_tables(q)
    dqt = b"\xff\xdb" + struct.pack(">H", 2 + 2 * 65) + b"\x00" + luma + b"\x01" + chroma
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes([1, 0x21, 0, 2, 0x11, 1, 3, 0x11, 1])
    sos = b"\xff\xda" + struct.pack(">HB", 12, 3) + bytes([1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])
    return b"\xff\xd8" + dqt + sof + standard_huffman_tables() + sos + scan + b"\xff\xd9"


def test_quant_tables_match_libjpeg():
    # The receiver's tables for Q equal what libjpeg (through Pillow) writes at that quality.
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "JPEG", quality=70, subsampling=1)
    dqt = b"".join(segment[4:] for segment in segments(out.getvalue(), 0xDB))
    tables = {dqt[i] & 0x0F: dqt[i + 1 : i + 65] for i in range(0, len(dqt), 65)}
    assert [tables[0], tables[1]] == quant_tables(70)


class RtspClient:
    """A native RTSP client: the requests of a player, replies checked, RTP gathered."""

    def __init__(self, port, tcp):
        self.conn = socket.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT)
        self.stream = self.conn.makefile("rb")
        self.url = "rtsp://127.0.0.1:%d/" % port
        self.cseq = 0
        self.tcp = tcp
        self.udp = None
        if not tcp:
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.udp.settimeout(PEER_TIMEOUT)
        self.pending = []  # RTP packets that came while waiting for a reply (interleaved)

    def _read_interleaved(self):
        head = self.stream.read(4)
        assert head[:1] == b"$", head
        _, channel, length = struct.unpack(">BBH", head)
        return channel, self.stream.read(length)

    def request(self, method, url=None, headers=""):
        self.cseq += 1
        self.conn.sendall(("%s %s RTSP/1.0\r\nCSeq: %d\r\nUser-Agent: mpsock-test\r\n%s\r\n"
                           % (method, url or self.url, self.cseq, headers)).encode())
        while True:
            if self.tcp and self.stream.peek(1)[:1] == b"$":
                self.pending.append(self._read_interleaved()[1])
                continue
            status = self.stream.readline().decode().rstrip("\r\n")
            break
        fields = {}
        while True:
            line = self.stream.readline().decode().rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        body = self.stream.read(int(fields.get("content-length", 0))).decode()
        assert status == "RTSP/1.0 200 OK", status
        assert int(fields["cseq"]) == self.cseq
        return fields, body

    def packet(self):
        if self.pending:
            return self.pending.pop(0)
        if self.tcp:
            channel, data = self._read_interleaved()
            assert channel == 0
            return data
        return self.udp.recv(2048)

    def close(self):
        self.conn.close()
        if self.udp:
            self.udp.close()


def gather_frames(client, count):
    """Whole frames from RTP/JPEG packets: (timestamp, type, q, width, height, scan data), the
    packets of each in order with their fragment offsets meeting end to end."""
    frames = []
    current = None
    last_seq = None
    while len(frames) < count:
        packet = client.packet()
        flags, marker_pt, seq, timestamp, _ = struct.unpack(">BBHII", packet[:12])
        assert flags == 0x80 and marker_pt & 0x7F == 26  # RTP v2, payload type 26: JPEG
        if last_seq is not None:
            assert seq == (last_seq + 1) & 0xFFFF
        last_seq = seq
        offset = struct.unpack(">I", packet[12:16])[0] & 0xFFFFFF
        kind, q, w8, h8 = packet[16:20]
        if offset == 0:
            current = [timestamp, kind, q, w8 * 8, h8 * 8, bytearray()]
        if current is None:
            continue  # joined in the middle of a frame
        assert current[0] == timestamp and offset == len(current[5])
        current[5] += packet[20:]
        if marker_pt & 0x80:
            frames.append(tuple(current[:5]) + (bytes(current[5]),))
            current = None
    return frames


def check_test_pattern(picture):
    """The grey ramp along the bottom of the test pattern, dark to light, within JPEG's error:
    the picture was put back together with the right tables."""
    width, height = picture.size
    gray = picture.convert("L")
    y = height - 3
    near = sum(abs(gray.getpixel((x, y)) - x * 255 // (width - 1)) <= 24 for x in range(0, width, 8))
    assert near >= 0.75 * len(range(0, width, 8))


@pytest.mark.parametrize("tcp,network", [(False, {}), (True, SHAPED)], ids=["udp-default-profile", "tcp-shaped"])
def test_rtsp_session_streams_rtp_jpeg(mpsock_start, mpsock_port, tcp, network):
    server = mpsock_start(script("rtsp_video_server.py"), mpsock_port, **network)
    server.wait_for_line("Running...")
    client = RtspClient(mpsock_port, tcp)
    try:
        fields, _ = client.request("OPTIONS")
        assert "DESCRIBE" in fields["public"] and "PLAY" in fields["public"]
        fields, sdp = client.request("DESCRIBE", headers="Accept: application/sdp\r\n")
        assert fields["content-type"] == "application/sdp"
        assert "m=video 0 RTP/AVP 26" in sdp
        if tcp:
            transport = "RTP/AVP/TCP;unicast;interleaved=0-1"
        else:
            port = client.udp.getsockname()[1]
            transport = "RTP/AVP;unicast;client_port=%d-%d" % (port, port + 1)
        fields, _ = client.request("SETUP", client.url + "trackID=0", "Transport: %s\r\n" % transport)
        session = fields["session"]
        client.request("PLAY", headers="Session: %s\r\nRange: npt=0.000-\r\n" % session)
        frames = gather_frames(client, 4)
        client.request("TEARDOWN", headers="Session: %s\r\n" % session)
    finally:
        client.close()
    for _timestamp, kind, q, width, height, scan in frames:
        assert (kind, q, width, height) == (0, 70, 320, 240)
        picture = decoded(rebuild_jpeg(kind, q, width, height, scan))
        assert picture.size == (320, 240)
        check_test_pattern(picture)
    assert len({f[0] for f in frames}) == 4 and len({f[5] for f in frames}) == 4
    result = server.wait()
    assert result.returncode == 0, result.describe()
    assert any(line.startswith('Playing "/') for line in result.lines)
    assert result.lines[-1].startswith("streamed ")


# ---- Uploads: an image POST and an OpenAI-compatible vision request ----


class Collector(http.server.BaseHTTPRequestHandler):
    """A native HTTP server's handler that keeps each POST and answers as an upload endpoint or
    a chat-completions API would."""

    received = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers), body))
        if self.path.endswith("/chat/completions"):
            reply = json.dumps({"choices": [{"message": {"role": "assistant", "content": "A test pattern."}}]})
            kind = "application/json"
        else:
            reply, kind = "stored", "text/plain"
        data = reply.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_peer():
    handler = type("Handler", (Collector,), {"received": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler.received
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("network", [{}, SHAPED], ids=["default-profile", "shaped"])
def test_image_post_uploads_a_jpeg(mpsock_run, http_peer, network):
    server, received = http_peer
    url = "http://127.0.0.1:%d/upload" % server.server_address[1]
    run = mpsock_run(script("image_post.py"), url, **network).check()
    assert run.lines[0] == "HTTP status: 200 OK"
    (path, headers, body), = received
    assert path == "/upload" and headers["Content-Type"] == "image/jpeg"
    assert run.lines[1] == "uploaded %d bytes" % len(body)
    picture = decoded(body)
    assert picture.size == (640, 480)
    red, green, blue = picture.getpixel((11, 30))  # the rectangle the script drew, 3 px wide
    assert red > 180 and green < 90 and blue < 90


@pytest.mark.parametrize("network", [{}, SHAPED], ids=["default-profile", "shaped"])
def test_openai_style_client_posts_a_base64_jpeg(mpsock_run, http_peer, network):
    server, received = http_peer
    run = mpsock_run(script("vision_client.py"), "http://127.0.0.1:%d/v1" % server.server_address[1],
                     **network).check()
    assert run.lines[1:] == ["HTTP status: 200 OK", "Response: A test pattern."]
    (path, headers, body), = received
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer test-key"
    content = json.loads(body)["messages"][0]["content"]
    url = content[0]["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    jpeg = base64.b64decode(url.split(",", 1)[1], validate=True)
    assert run.lines[0] == "JPEG size: %d" % len(jpeg)
    picture = decoded(jpeg)
    assert picture.size == (320, 240)
    check_test_pattern(picture)

