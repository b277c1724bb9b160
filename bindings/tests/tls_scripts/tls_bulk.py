# Sends COUNT bytes over a verified TLS connection to an echo server and reads them back,
# checking every byte: what a camera uploading frames sees on a poor link.
#
# Arguments: HOST PORT CAFILE COUNT
import socket
import ssl
import sys

HOST = sys.argv[1]
PORT = int(sys.argv[2])
CAFILE = sys.argv[3]
COUNT = int(sys.argv[4])

context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.verify_mode = ssl.CERT_REQUIRED
context.load_verify_locations(cafile=CAFILE)
s = socket.socket()
s.settimeout(20)
s.connect(socket.getaddrinfo(HOST, PORT)[0][-1])
tls = context.wrap_socket(s, server_hostname=HOST)
print("handshake", tls.cipher()[0])
pattern = bytes(range(256)) * 16
sent = 0
got = 0
errors = 0
try:
    while got < COUNT:
        if sent < COUNT:
            n = min(len(pattern), COUNT - sent)
            sent += tls.write(pattern[:n])
        chunk = tls.recv(4096)
        if not chunk:
            break
        for i in range(0, len(chunk), 512):
            piece = chunk[i : i + 512]
            start = (got + i) % 256
            expected = (bytes(range(start, 256)) + bytes(range(256))) * 3
            if piece != expected[: len(piece)]:
                errors += 1
        got += len(chunk)
    print("echoed", got, "errors", errors)
except OSError as e:
    print("failed", e.args, "after", got)
tls.close()
