# A small asyncio HTTP/1.0 client for camera scripts, in the manner of micropython-lib's
# uaiohttpclient: request() sends the request with awrite() and returns a response whose
# status line and headers are read; the body is read with read(), and aclose() ends it.
import asyncio


class Response:
    def __init__(self, reader, status, reason, headers):
        self.reader = reader
        self.status = status
        self.reason = reason
        self.headers = headers

    async def read(self, n=-1):
        return await self.reader.read(n)

    async def readexactly(self, n):
        return await self.reader.readexactly(n)

    async def aclose(self):
        await self.reader.aclose()


def split_url(url):
    proto, _, rest = url.split("/", 2)
    if proto != "http:":
        raise ValueError("only http:// URLs")
    if "/" in rest:
        host, path = rest.split("/", 1)
        path = "/" + path
    else:
        host, path = rest, "/"
    port = 80
    if ":" in host:
        host, port = host.split(":", 1)
        port = int(port)
    return host, port, path


async def request(method, url, body=None):
    host, port, path = split_url(url)
    reader, writer = await asyncio.open_connection(host, port)
    head = "%s %s HTTP/1.0\r\nHost: %s\r\n" % (method, path, host)
    if body is not None:
        head += "Content-Length: %d\r\n" % len(body)
    await writer.awrite(head.encode() + b"\r\n")
    if body is not None:
        await writer.awrite(body)
    line = await reader.readline()
    parts = line.split(None, 2)
    if len(parts) < 2:
        await writer.aclose()
        raise ValueError("bad status line %r" % line)
    headers = {}
    while True:
        line = await reader.readline()
        if not line or line == b"\r\n":
            break
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    reason = parts[2].strip().decode() if len(parts) > 2 else ""
    return Response(reader, int(parts[1]), reason, headers)
