"""Camera scripts that talk TLS the way real ones do, each run under `mpsock run` against a
native peer on loopback, under the default camera profile and under a poor network: an HTTPS
GET as OpenMV's http_client_ssl.py example does it, a requests-style client fetching JSON from
an https:// URL, a umqtt.simple-style client publishing with ssl=True to a mosquitto broker
started by the test, a TLS server polling two clients in one loop, a bulk transfer through loss
and through a reset. The scripts and the small libraries they import are in tls_scripts/."""

import http.server
import json
import os
import pathlib
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import pytest

pytest.register_assert_rewrite("mpsock.pytest_plugin")
from mpsock.pytest_plugin import loaded_by_entry_point  # noqa: E402

from native_peers import PEER_TIMEOUT  # noqa: E402
from tls_peers import HOST, Material, TlsServer, echo_lines, server_context  # noqa: E402

pytest_plugins = [] if loaded_by_entry_point() else ["mpsock.pytest_plugin"]

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tls_scripts")
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "examples")
EXAMPLE_HTTPS_GET = os.path.join(EXAMPLES, "https_get.py")
EXAMPLE_MQTT_TLS = os.path.join(EXAMPLES, "mqtt_tls_publish.py")
HOSTS = {HOST: "127.0.0.1"}
# A poor WiFi link: long and uneven round trips, some loss, a thin pipe.
BAD_NETWORK = {"latency": "40ms", "jitter": "10ms", "loss": "2%", "bandwidth": "2Mbit", "seed": 5}
CONDITIONS = pytest.mark.parametrize("conditions", [{}, BAD_NETWORK], ids=["default", "bad-network"])


def script(name):
    return os.path.join(SCRIPTS, name)


@pytest.fixture(scope="module")
def material():
    return Material()


@pytest.fixture
def files(material, tmp_path):
    """The CA, and the server's certificate and key, as files a script can name."""
    paths = {
        "ca.der": material.ca_der,
        "ca.pem": material.ca_pem,
        "cert.der": material.cert_der(material.leaf),
        "key.der": material.key_der(material.leaf),
        "cert.pem": material.cert_pem(material.leaf),
        "key.pem": material.key_pem(material.leaf),
    }
    for name, data in paths.items():
        (tmp_path / name).write_bytes(data)
    return {name: str(tmp_path / name) for name in paths}


# ---- An HTTPS server (CPython's http.server over ssl) ----

PAGE = b"<html><body>" + b"camera dashboard " * 300 + b"</body></html>"
STATUS = {"camera": "online", "frames": 1234}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    close_notify = True

    def do_GET(self):
        if self.path == "/status":
            body, kind = json.dumps(STATUS).encode(), "application/json"
        else:
            body, kind = PAGE, "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def finish(self):
        super().finish()
        # A server that ends its TLS session properly sends close_notify; CPython's http.server
        # on its own does not.
        if self.close_notify:
            try:
                self.request.unwrap()
            except (OSError, ValueError):
                pass

    def log_message(self, *args):
        pass


class HttpsServer:
    def __init__(self, leaf, close_notify=True):
        handler = type("Handler", (_Handler,), {"close_notify": close_notify})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.socket = server_context(leaf).wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.socket.settimeout(PEER_TIMEOUT)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(PEER_TIMEOUT)


@pytest.fixture
def https_server(material):
    servers = []

    def start(close_notify=True):
        server = HttpsServer(material.leaf, close_notify)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


# ---- OpenMV's http_client_ssl.py (examples/https_get.py) ----


@CONDITIONS
def test_https_get_like_the_openmv_example(mpsock_run, https_server, files, conditions):
    server = https_server()
    run = mpsock_run(EXAMPLE_HTTPS_GET, HOST, server.port, files["ca.der"], hosts=HOSTS, **conditions).check()
    assert "cipher ('TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384', 'TLSv1.2')" in run.lines
    assert "HTTP/1.1 200 OK" in run.lines
    assert any(line.startswith("<html><body>camera dashboard") for line in run.lines)


def test_https_get_unverified_as_the_example_ships(mpsock_run, https_server):
    server = https_server()
    run = mpsock_run(EXAMPLE_HTTPS_GET, HOST, server.port, hosts=HOSTS).check()
    assert "HTTP/1.1 200 OK" in run.lines


def test_https_get_to_the_wrong_name_fails_verification(mpsock_run, https_server, files):
    server = https_server()
    run = mpsock_run(
        EXAMPLE_HTTPS_GET,
        "other-api.example",
        server.port,
        files["ca.der"],
        hosts={"other-api.example": "127.0.0.1"},
    )
    assert run.returncode == 1
    assert "ValueError: \nThe certificate Common Name (CN) does not match with the expected CN" in run.stderr


# ---- A requests-style client ----


@CONDITIONS
def test_requests_fetches_json_over_https(mpsock_run, https_server, conditions):
    server = https_server(close_notify=True)
    url = "https://%s:%d/status" % (HOST, server.port)
    run = mpsock_run(script("https_requests.py"), url, hosts=HOSTS, **conditions).check()
    assert run.lines == ["status 200 OK", "type application/json", "json %r" % STATUS]


def test_requests_reading_to_the_end_without_close_notify(mpsock_run, https_server):
    # CPython's http.server closes TLS without close_notify; mbedTLS reads that end as an
    # error, so a script reading the body to the end fails on the camera.
    server = https_server(close_notify=False)
    url = "https://%s:%d/status" % (HOST, server.port)
    run = mpsock_run(script("https_requests.py"), url, hosts=HOSTS).check()
    assert run.lines[-1] == "request failed: (-29312, 'MBEDTLS_ERR_SSL_CONN_EOF')"


# ---- MQTT over TLS to a mosquitto broker ----


def _mosquitto():
    return shutil.which("mosquitto") or next(
        (path for path in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.path.exists(path)), None
    )


@pytest.fixture
def broker(material):
    """A mosquitto broker with a TLS listener on a free loopback port and its own config."""
    binary = _mosquitto()
    if binary is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto; .ci/install --test installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Started as root, mosquitto drops to its own user, who must be able to read its files
    # (throwaway test certificates), so they are not in pytest's private temporary folder.
    folder = tempfile.mkdtemp(prefix="mpsock-mosquitto-")
    os.chmod(folder, 0o755)
    files = {}
    for name, data in (
        ("ca.pem", material.ca_pem),
        ("cert.pem", material.cert_pem(material.leaf)),
        ("key.pem", material.key_pem(material.leaf)),
    ):
        files[name] = os.path.join(folder, name)
        with open(files[name], "wb") as out:
            out.write(data)
        os.chmod(files[name], 0o644)
    config = pathlib.Path(folder) / "mosquitto.conf"
    config.write_text(
        "\n".join(
            [
                "persistence false",
                "log_dest stderr",
                "listener %d 127.0.0.1" % port,
                "allow_anonymous true",
                "cafile %s" % files["ca.pem"],
                "certfile %s" % files["cert.pem"],
                "keyfile %s" % files["key.pem"],
                "",
            ]
        )
    )
    process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + PEER_TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("mosquitto did not start: %s" % process.stderr.read().decode()) from None
            time.sleep(0.05)
    yield port
    process.terminate()
    try:
        process.wait(PEER_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    shutil.rmtree(folder, ignore_errors=True)


@CONDITIONS
def test_mqtt_publish_over_tls_to_mosquitto(mpsock_run, broker, files, conditions):
    run = mpsock_run(
        script("mqtt_tls_publish.py"), HOST, broker, files["ca.der"], 3, hosts=HOSTS, **conditions
    )
    run.check()
    assert run.lines[0] == "connected, session present: 0"
    assert run.lines[1].startswith("cipher ('TLS-ECDHE-ECDSA-WITH-")
    assert run.lines[-1] == "received ['reading 0', 'reading 1', 'reading 2']"


@CONDITIONS
def test_mqtt_tls_example(mpsock_run, broker, files, conditions):
    run = mpsock_run(EXAMPLE_MQTT_TLS, HOST, broker, files["ca.der"], 3, hosts=HOSTS, **conditions).check()
    assert run.lines[0].startswith("TLS: TLS-ECDHE-ECDSA-WITH-") and run.lines[0].endswith(" TLSv1.2")
    assert run.lines[1:] == [
        "echo: reading 0",
        "echo: reading 1",
        "echo: reading 2",
        "done: 3 published, 3 came back",
    ]


# ---- A TLS server with one poll loop ----


def _tls_clients(port, ca, count):
    results = []

    def one(i):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ca.configure_trust(context)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as raw:
                with context.wrap_socket(raw, server_hostname=HOST) as conn:
                    time.sleep(0.05 * i)
                    conn.sendall(b"client %d\n" % i)
                    data = b""
                    while not data.endswith(b"\n"):
                        chunk = conn.recv(100)
                        if not chunk:
                            break
                        data += chunk
                    results.append(data)
        except Exception as error:  # noqa: BLE001 - the test reads it
            results.append(error)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


@CONDITIONS
def test_two_tls_clients_from_one_poll_loop(mpsock_start, mpsock_port, material, files, conditions):
    server = mpsock_start(
        script("tls_poll_server.py"), mpsock_port, files["cert.der"], files["key.der"], 2, **conditions
    )
    server.wait_for_line(r"listening")
    threads, results = _tls_clients(mpsock_port, material.ca, 2)
    for thread in threads:
        thread.join(PEER_TIMEOUT * 2)
    assert sorted(results) == [b"echo client 0\n", b"echo client 1\n"]
    result = server.wait(timeout=PEER_TIMEOUT * 2)
    assert result.returncode == 0, result.describe()
    assert result.lines[-1] == "done 2"


# ---- Through loss, and a reset ----


@pytest.fixture
def echo_server(material):
    server = TlsServer(server_context(material.leaf), echo_lines)
    yield server
    server.close()


def test_tls_bulk_through_loss_and_latency(mpsock_run, echo_server, files):
    run = mpsock_run(
        script("tls_bulk.py"),
        HOST,
        echo_server.port,
        files["ca.der"],
        60000,
        hosts=HOSTS,
        latency="20ms",
        loss="5%",
        bandwidth="8Mbit",
        seed=9,
        trace=True,
        timeout=90,
    ).check()
    assert run.lines == ["handshake TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", "echoed 60000 errors 0"]
    # The TLS bytes went through the emulated socket (records are bigger than the data).
    sent = sum(call["len"] for call in run.trace.calls("sendall")) + sum(
        call["result"] for call in run.trace.calls("send") if "result" in call
    )
    assert sent > 60000
    handshakes = run.trace.calls("tls_handshake")
    assert len(handshakes) == 1 and handshakes[0]["cipher"] == "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384"


def test_tls_connection_reset_mid_transfer(mpsock_run, echo_server, files):
    run = mpsock_run(
        script("tls_bulk.py"),
        HOST,
        echo_server.port,
        files["ca.der"],
        200000,
        hosts=HOSTS,
        faults=["reset@30KB"],
        trace=True,
    ).check()
    assert run.lines[0].startswith("handshake ")
    assert run.lines[1].startswith("failed (104,) after ")
    assert 104 in run.trace.errors()
