# A small HTTP client with the interface of micropython-lib's requests (request, get, post,
# Response with status_code, reason, headers, content, text, json(), close), written for these
# tests: HTTP/1.0 over a socket, wrapped with an ssl.SSLContext for https:// URLs.
import socket


class Response:
    def __init__(self, f):
        self.raw = f
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
        import json

        return json.loads(self.content)


def request(method, url, data=None, json=None, headers=None, timeout=None):
    headers = headers or {}
    proto, _, host, path = url.split("/", 3)
    if proto == "http:":
        port = 80
    elif proto == "https:":
        import ssl

        port = 443
    else:
        raise ValueError("Unsupported protocol: " + proto)
    if ":" in host:
        host, port = host.split(":", 1)
        port = int(port)
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], ai[1], ai[2])
    try:
        if timeout is not None:
            s.settimeout(timeout)
        s.connect(ai[-1])
        if proto == "https:":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.verify_mode = ssl.CERT_NONE
            s = context.wrap_socket(s, server_hostname=host)
        s.write(b"%s /%s HTTP/1.0\r\n" % (method.encode(), path.encode()))
        if "Host" not in headers:
            s.write(b"Host: %s\r\n" % host.encode())
        for k in headers:
            s.write(k.encode() + b": " + headers[k].encode() + b"\r\n")
        if json is not None:
            import json as _json

            data = _json.dumps(json).encode()
            s.write(b"Content-Type: application/json\r\n")
        if data:
            s.write(b"Content-Length: %d\r\n" % len(data))
        s.write(b"Connection: close\r\n\r\n")
        if data:
            s.write(data)
        line = s.readline().split(None, 2)
        status = int(line[1])
        reason = line[2].rstrip() if len(line) > 2 else b""
        response_headers = {}
        while True:
            line = s.readline()
            if not line or line == b"\r\n":
                break
            k, v = line.decode().split(":", 1)
            response_headers[k] = v.strip()
    except OSError:
        s.close()
        raise
    response = Response(s)
    response.status_code = status
    response.reason = reason
    response.headers = response_headers
    return response


def get(url, **kw):
    return request("GET", url, **kw)


def post(url, **kw):
    return request("POST", url, **kw)
