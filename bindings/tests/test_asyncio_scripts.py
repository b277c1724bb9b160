"""asyncio in camera scripts under `mpsock run`, against native peers: the module scripts get for
`import asyncio` / `import uasyncio`; a server and the --expose rule; an HTTP client library
written the way micropython-lib's uaiohttpclient is (asyncio_scripts/uhttp.py); microdot's hello
world and streaming example with microdot's own files copied beside the script, as on a board.
Each under the default camera profile and under a poor network, with faults where they fit."""

import http.server
import importlib.util
import ipaddress
import os
import re
import shutil
import signal
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from kernel_sockets import tcp_listeners

# Imported before pytest loads it as a plugin: let pytest rewrite its asserts all the same.
pytest.register_assert_rewrite("mpsock.pytest_plugin")
from mpsock.pytest_plugin import loaded_by_entry_point  # noqa: E402

pytest_plugins = [] if loaded_by_entry_point() else ["mpsock.pytest_plugin"]

SCRIPTS = os.path.join(os.path.dirname(__file__), "asyncio_scripts")
BAD_NETWORK = {"latency": "40ms", "jitter": "10ms", "loss": "1%", "bandwidth": "2Mbit", "seed": 5}
NETWORKS = {"clean": {}, "poor": BAD_NETWORK}
PEER_TIMEOUT = 10.0


@pytest.fixture
def script_dir(tmp_path):
    """The test's scripts folder: our asyncio scripts, and microdot's files as a user copies
    them onto the board (the package's modules, not its type stubs)."""
    for name in os.listdir(SCRIPTS):
        if name.endswith(".py"):
            shutil.copy(os.path.join(SCRIPTS, name), str(tmp_path))
    return tmp_path


@pytest.fixture
def with_microdot(script_dir):
    # Found, not imported: its files are the script's, not this process's.
    spec = importlib.util.find_spec("microdot")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("microdot (pip install microdot)")
    source = spec.submodule_search_locations[0]
    target = script_dir / "microdot"
    target.mkdir()
    for name in ("__init__.py", "microdot.py", "helpers.py"):
        shutil.copy(os.path.join(source, name), str(target))
    # microdot's own `import orjson` fails as on the camera, which has no orjson (the board's
    # module set), so it takes its json branch.
    return script_dir


# ---- The module a script gets ----


def test_scripts_and_their_modules_get_micropythons_asyncio(mpsock_run, script_dir):
    (script_dir / "helper.py").write_text("import asyncio\n")
    (script_dir / "main.py").write_text(
        "import asyncio, uasyncio, helper\n"
        "print(asyncio is uasyncio, helper.asyncio is asyncio)\n"
        "print(hasattr(asyncio, 'sleep_ms'), hasattr(asyncio, 'ThreadSafeFlag'))\n"
        "print(hasattr(asyncio, 'get_running_loop'), hasattr(asyncio, 'Future'))\n"
        "async def main():\n"
        "    await asyncio.sleep_ms(1)\n"
        "    return 'ran'\n"
        "print(asyncio.run(main()))\n"
    )
    run = mpsock_run(str(script_dir / "main.py")).check()
    assert run.lines == ["True True", "True True", "False False", "ran"]


SERVER = """
import asyncio, sys

async def handle(reader, writer):
    line = await reader.readline()
    await writer.awrite(b"got " + line)
    await writer.aclose()
    if line == b"quit\\n":
        server.close()

async def main():
    global server
    server = await asyncio.start_server(handle, "0.0.0.0", int(sys.argv[1]))
    print("listening", flush=True)
    await server.wait_closed()
    print("closed")

asyncio.run(main())
"""


def ask(port, line, address="127.0.0.1"):
    with socket.create_connection((address, port), timeout=PEER_TIMEOUT) as conn:
        conn.sendall(line)
        data = b""
        while True:
            piece = conn.recv(100)
            if not piece:
                return data
            data += piece


@pytest.mark.parametrize("expose", [False, True])
def test_a_server_on_the_wildcard_listens_on_loopback_unless_exposed(
    mpsock_start, mpsock_port, tmp_path, expose
):
    path = tmp_path / "server.py"
    path.write_text(SERVER)
    server = mpsock_start(str(path), mpsock_port, expose=expose)
    server.wait_for_line("listening")
    wanted = ipaddress.ip_address("0.0.0.0" if expose else "127.0.0.1")
    assert tcp_listeners(mpsock_port) == {wanted}
    assert ask(mpsock_port, b"hello\n") == b"got hello\n"
    assert ask(mpsock_port, b"quit\n") == b"got quit\n"
    result = server.wait(20)
    assert result.returncode == 0 and result.lines == ["listening", "closed"], result.describe()


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_a_server_under_the_camera_profile_and_a_poor_network(mpsock_start, mpsock_port, tmp_path, network):
    path = tmp_path / "server.py"
    path.write_text(SERVER)
    server = mpsock_start(str(path), mpsock_port, profile="openmv-rt1062", **NETWORKS[network])
    server.wait_for_line("listening")
    replies = []
    threads = [
        threading.Thread(target=lambda i=i: replies.append(ask(mpsock_port, b"client %d\n" % i)))
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PEER_TIMEOUT * 2)
    assert sorted(replies) == [b"got client %d\n" % i for i in range(4)]
    ask(mpsock_port, b"quit\n")
    assert server.wait(20).returncode == 0


def test_ctrl_c_ends_a_loop_waiting_on_nothing(mpsock_start, tmp_path):
    # Nothing can wake this loop: it waits in the emulator's poll (no CPU) until Ctrl-C.
    path = tmp_path / "waits.py"
    path.write_text(
        "import asyncio\n"
        "async def main():\n"
        "    print('waiting', flush=True)\n"
        "    await asyncio.Event().wait()\n"
        "asyncio.run(main())\n"
    )
    script = mpsock_start(str(path))
    script.wait_for_line("waiting")
    time.sleep(0.2)
    started = time.monotonic()
    result = script.stop()
    assert result.returncode == -signal.SIGINT and time.monotonic() - started < 3, result.describe()
    assert "KeyboardInterrupt" in result.stderr


# ---- An HTTP client library on asyncio (uhttp.py, in uaiohttpclient's manner) ----


def body_of(size):
    return bytes((i * 7 + 3) & 0xFF for i in range(size))


def checksum(data):
    total = 0
    for byte in data:
        total = (total * 31 + byte) & 0xFFFFFFFF
    return total


class HttpServer:
    """A native HTTP/1.0 server on loopback: GET /SIZE answers SIZE bytes of body_of(SIZE);
    GET /slow/SIZE sends them 10 KB every 10 ms, so a fault after N bytes lands mid-body."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                slow = self.path.startswith("/slow/")
                size = int(self.path.rpartition("/")[2])
                body = body_of(size)
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                try:
                    if not slow:
                        self.wfile.write(body)
                        return
                    for start in range(0, size, 10000):
                        self.wfile.write(body[start : start + 10000])
                        self.wfile.flush()
                        time.sleep(0.01)
                except OSError:
                    pass  # a fault cut the connection

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_server():
    server = HttpServer()
    yield server
    server.close()


@pytest.mark.parametrize(
    "profile, network", [("openmv-rt1062", "clean"), ("openmv-rt1062", "poor"), ("desktop", "clean")]
)
def test_http_client_fetches_concurrently(mpsock_run, script_dir, http_server, profile, network):
    size = 30000
    url = "http://api.example.lan:%d/%d" % (http_server.port, size)
    run = mpsock_run(
        str(script_dir / "http_fetch.py"),
        url,
        3,
        profile=profile,
        hosts={"api.example.lan": "127.0.0.1"},
        **NETWORKS[network],
    ).check()
    expected = ["%d status 200 length %d sum %d" % (n, size, checksum(body_of(size))) for n in range(3)]
    assert run.lines == expected
    # The streams' socket calls are in the trace, as the script's own calls would be.
    assert {"connect", "write", "readline", "read", "close"} <= {call["call"] for call in run.trace.calls()}
    assert sum(call.get("result") or 0 for call in run.trace.calls("read")) == 3 * size


def test_http_client_sees_a_reset_mid_body_as_errno_104(mpsock_run, script_dir, http_server):
    url = "http://api.example.lan:%d/slow/%d" % (http_server.port, 200000)
    run = mpsock_run(
        str(script_dir / "http_fetch.py"),
        url,
        1,
        hosts={"api.example.lan": "127.0.0.1"},
        faults=["reset@20KB"],
    ).check()
    assert run.lines == ["0 failed: errno 104"]
    assert 104 in run.trace.errors()


def test_http_client_sees_a_peer_closing_mid_body_as_a_short_body(mpsock_run, script_dir, http_server):
    url = "http://api.example.lan:%d/slow/%d" % (http_server.port, 200000)
    run = mpsock_run(
        str(script_dir / "http_fetch.py"),
        url,
        1,
        hosts={"api.example.lan": "127.0.0.1"},
        faults=["close@20KB"],
    ).check()
    match = re.fullmatch(r"0 short body: (\d+) of 200000", run.lines[0])
    assert match and 10000 < int(match.group(1)) < 60000, run.lines


def test_http_client_against_nothing_listening(mpsock_run, script_dir):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = mpsock_run(str(script_dir / "http_fetch.py"), "http://127.0.0.1:%d/10" % port, 2).check()
    assert run.lines == ["0 failed: errno 104", "1 failed: errno 104"]  # lwIP's refused connect


# ---- microdot ----


def wait_listening(port, within=PEER_TIMEOUT):
    """Waits until the script's server listens (as the kernel sees it), without connecting."""
    deadline = time.monotonic() + within
    while not tcp_listeners(port):
        assert time.monotonic() < deadline, "nothing listens on port %d" % port
        time.sleep(0.02)


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=PEER_TIMEOUT) as reply:
        return reply.status, reply.headers.get("Content-Type"), reply.read()


def shut_down(port):
    """GET /shutdown. The server ends as soon as its listener closes, so (as on the camera) the
    reply may be cut short: read what comes until the connection closes."""
    try:
        ask(port, b"GET /shutdown HTTP/1.0\r\n\r\n")
    except OSError:
        pass


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_microdot_hello_world(mpsock_start, mpsock_port, with_microdot, network):
    server = mpsock_start(str(with_microdot / "microdot_hello.py"), mpsock_port, **NETWORKS[network])
    server.wait_for_line("Starting async server")
    wait_listening(mpsock_port)
    status, kind, body = get(mpsock_port, "/")
    assert (status, kind) == (200, "text/html") and b"Hello from Microdot!" in body
    with pytest.raises(urllib.error.HTTPError) as info:
        get(mpsock_port, "/missing")
    assert info.value.code == 404
    shut_down(mpsock_port)
    result = server.wait(20)
    assert result.returncode == 0, result.describe()
    assert "GET / 200" in result.lines and "GET /missing 404" in result.lines
    assert result.lines[-1] == "server stopped"


def read_frames(port, count):
    """A viewer: GETs the stream, reads `count` frames, goes away."""
    with socket.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as conn:
        conn.sendall(b"GET /video_feed HTTP/1.0\r\nHost: camera\r\n\r\n")
        data = b""
        while len(re.findall(rb"\xff\xd8frame-\d\xff\xd9", data)) < count:
            piece = conn.recv(4096)
            if not piece:
                break
            data += piece
    return data


@pytest.mark.parametrize("style", ["generator", "class"])
@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_microdot_streaming(mpsock_start, mpsock_port, with_microdot, style, network):
    server = mpsock_start(str(with_microdot / "microdot_stream.py"), mpsock_port, style, **NETWORKS[network])
    server.wait_for_line("serving on")
    wait_listening(mpsock_port)
    first = read_frames(mpsock_port, 4)
    head, _, stream = first.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK")
    assert b"Content-Type: multipart/x-mixed-replace; boundary=frame" in head
    assert (
        len(re.findall(rb"Content-Type: image/jpeg\r\n\r\n\xff\xd8frame-\d\xff\xd9\r\n--frame", stream)) >= 4
    )
    # The first viewer went away mid-stream; the server goes on serving the next one.
    assert len(re.findall(rb"frame-\d", read_frames(mpsock_port, 2))) >= 2
    shut_down(mpsock_port)
    result = server.wait(20)
    assert result.returncode == 0, result.describe()
    assert result.lines[-1] == "server stopped" and "Traceback" not in result.stderr


SYNC_HANDLER_APP = """
import sys
from microdot import Microdot

app = Microdot()


@app.route("/")
def index(request):  # a plain function: microdot runs it in the loop's thread on the camera
    return "sync hello"


app.run(port=int(sys.argv[1]))
"""


# microdot takes its MicroPython branch because `inspect` does not import on the board: a plain
# function handler runs in the loop itself, where its CPython branch would need run_in_executor.
def test_microdot_plain_function_handler(mpsock_start, mpsock_port, with_microdot):
    path = with_microdot / "sync_app.py"
    path.write_text(SYNC_HANDLER_APP)
    mpsock_start(str(path), mpsock_port)
    wait_listening(mpsock_port)
    assert get(mpsock_port, "/")[2] == b"sync hello"
