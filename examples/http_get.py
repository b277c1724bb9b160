# HTTP GET with getaddrinfo: how a camera script fetches a page or calls a REST endpoint.
#
#   mpsock run --host api.example.lan=127.0.0.1 examples/http_get.py api.example.lan 8080 /status
#
# Arguments (on the camera sys.argv is empty and the defaults apply): [HOST [PORT [PATH]]].
# It prints the status line, the number of headers, and the body's length and checksum.
# On the camera, recv() hands back at most one TCP segment per call, so the body arrives in
# pieces of at most the MSS; the loop below reads until the server closes the connection.
import socket
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else "api.example.lan"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 80
PATH = sys.argv[3] if len(sys.argv) > 3 else "/"
TIMEOUT_S = 10


def resolve(host, port):
    # The firmware's getaddrinfo answers one entry; its last item is the (ip, port) to use.
    return socket.getaddrinfo(host, port)[0][-1]


def http_get(addr, host, path):
    s = socket.socket()
    s.settimeout(TIMEOUT_S)
    try:
        s.connect(addr)
        request = "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, host)
        s.sendall(request.encode())
        status = s.readline().decode().strip()
        headers = 0
        while True:
            line = s.readline()
            if not line or line == b"\r\n":
                break
            headers += 1
        body_length = 0
        checksum = 0
        pieces = 0
        while True:
            piece = s.recv(4096)
            if not piece:
                break
            pieces += 1
            body_length += len(piece)
            checksum = (checksum + sum(piece)) & 0xFFFF
        return status, headers, body_length, checksum, pieces
    finally:
        s.close()


def main():
    try:
        addr = resolve(HOST, PORT)
    except OSError as e:
        print("resolve %s failed: %d" % (HOST, e.args[0]))
        sys.exit(2)
    print("resolved %s -> %s:%d" % (HOST, addr[0], addr[1]))
    try:
        status, headers, length, checksum, pieces = http_get(addr, HOST, PATH)
    except OSError as e:
        print("request failed: errno %d" % e.args[0])
        sys.exit(1)
    print("status: %s" % status)
    print("headers: %d" % headers)
    print("body: %d bytes in %d recv() calls, checksum %d" % (length, pieces, checksum))


main()
