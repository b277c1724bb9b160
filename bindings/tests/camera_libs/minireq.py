# A small HTTP client written the way the libraries copied to a camera's flash are written
# (OpenMV's requests.py, micropython-lib's requests): the request line and headers formatted into
# bytes from str arguments, basic auth through binascii on a str, ujson for a JSON body, the
# socket's own write/readline. Runs unchanged on a camera.
import usocket
import ujson
import ubinascii


class Response:
    def __init__(self, sock):
        self.raw = sock
        self.encoding = "utf-8"
        self._cached = None

    def close(self):
        if self.raw:
            self.raw.close()
            self.raw = None
        self._cached = None

    @property
    def content(self):
        if self._cached is None:
            try:
                self._cached = self.raw.read()
            finally:
                self.raw.close()
                self.raw = None
        return self._cached

    @property
    def text(self):
        return str(self.content, self.encoding)

    def json(self):
        return ujson.loads(self.content)


def request(method, url, data=None, json=None, headers={}, auth=None, timeout=None):
    if auth is not None:
        headers = dict(headers)
        headers["Authorization"] = "Basic " + ubinascii.b2a_base64("%s:%s" % auth)[:-1].decode()
    proto, _, host, path = url.split("/", 3)
    if proto != "http:":
        raise ValueError("Unsupported protocol: " + proto)
    port = 80
    if ":" in host:
        host, port = host.split(":", 1)
        port = int(port)
    ai = usocket.getaddrinfo(host, port, 0, usocket.SOCK_STREAM)[0]
    s = usocket.socket(ai[0], usocket.SOCK_STREAM, ai[2])
    if timeout is not None:
        s.settimeout(timeout)
    try:
        s.connect(ai[-1])
        s.write(b"%s /%s HTTP/1.0\r\n" % (method, path))
        if "Host" not in headers:
            s.write(b"Host: %s\r\n" % host)
        for k in headers:
            s.write(k)
            s.write(b": ")
            s.write(headers[k])
            s.write(b"\r\n")
        if json is not None:
            data = ujson.dumps(json)
            s.write(b"Content-Type: application/json\r\n")
        if data:
            s.write(b"Content-Length: %d\r\n" % len(data))
        s.write(b"Connection: close\r\n\r\n")
        if data:
            s.write(data)
        line = s.readline()
        status = int(line.split(None, 2)[1])
        reason = line.split(None, 2)[2].rstrip() if len(line.split(None, 2)) > 2 else b""
        while True:
            line = s.readline()
            if not line or line == b"\r\n":
                break
            if line.startswith(b"Transfer-Encoding:") and b"chunked" in line:
                raise ValueError("Unsupported " + str(line, "utf-8"))
    except OSError:
        s.close()
        raise
    resp = Response(s)
    resp.status_code = status
    resp.reason = reason
    return resp


def get(url, **kw):
    return request("GET", url, **kw)


def post(url, **kw):
    return request("POST", url, **kw)
