# A small HTTP client in the style of the requests modules camera scripts carry (a test
# fixture written for mpsock): http:// only, one request per connection.
import json as _json
import socket


class Response:
    def __init__(self, status_code, reason, headers, content):
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.content = content

    @property
    def text(self):
        return self.content.decode()

    def json(self):
        return _json.loads(self.content)


def request(method, url, data=None, json=None, headers=None, timeout=None):
    scheme, _, rest = url.partition("://")
    if scheme != "http":
        raise ValueError("only http:// here")
    host, _, path = rest.partition("/")
    host, _, port = host.partition(":")
    port = int(port) if port else 80
    headers = dict(headers or {})
    if json is not None:
        data = _json.dumps(json)
        headers["Content-Type"] = "application/json"
    if isinstance(data, str):
        data = data.encode()
    address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1]
    s = socket.socket()
    if timeout is not None:
        s.settimeout(timeout)
    try:
        s.connect(address)
        head = "%s /%s HTTP/1.0\r\nHost: %s\r\n" % (method, path, host)
        for key, value in headers.items():
            head += "%s: %s\r\n" % (key, value)
        if data is not None:
            head += "Content-Length: %d\r\n" % len(data)
        s.sendall((head + "\r\n").encode())
        if data is not None:
            s.sendall(data)
        reply = b""
        while True:
            chunk = s.recv(1024)
            if not chunk:
                break
            reply += chunk
    finally:
        s.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    _, code, reason = lines[0].split(" ", 2)
    fields = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.strip()
    return Response(int(code), reason, fields, body)


def post(url, **kw):
    return request("POST", url, **kw)


def get(url, **kw):
    return request("GET", url, **kw)
