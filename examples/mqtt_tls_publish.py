# MQTT over TLS: a camera publishing readings to a broker on port 8883, the broker's
# certificate checked against a CA file. The client subscribes to its own topic and waits for
# each reading to come back, polling the TLS socket with select.poll between publishes. The
# packets are built by hand, as in mqtt_keepalive.py; TLS is the ssl module's SSLContext.
#
#   mpsock run --host broker.lan=127.0.0.1 examples/mqtt_tls_publish.py broker.lan 8883 ca.der 5
#
# Arguments: HOST PORT CAFILE [COUNT [CLIENT_ID]]
import select
import socket
import ssl
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else "broker.lan"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 8883
CAFILE = sys.argv[3] if len(sys.argv) > 3 else "ca.der"
COUNT = int(sys.argv[4]) if len(sys.argv) > 4 else 5
CLIENT_ID = sys.argv[5] if len(sys.argv) > 5 else "openmv-cam"
TOPIC = "cameras/%s/readings" % CLIENT_ID
WAIT_MS = 10000

CONNECT = 0x10
CONNACK = 0x20
PUBLISH = 0x30
SUBSCRIBE = 0x82
SUBACK = 0x90
DISCONNECT = b"\xe0\x00"


def remaining_length(n):
    out = b""
    while True:
        digit = n % 128
        n //= 128
        out += bytes([digit | 0x80 if n else digit])
        if not n:
            return out


def utf8_field(text):
    data = text.encode()
    return bytes([len(data) >> 8, len(data) & 0xFF]) + data


def packet(kind, body):
    return bytes([kind]) + remaining_length(len(body)) + body


def read_packet(s):
    # Blocking stream reads of the TLS socket: read(n) waits for all n bytes.
    kind = s.read(1)
    if not kind:
        raise OSError(104)
    length = 0
    shift = 0
    while True:
        digit = s.read(1)[0]
        length |= (digit & 0x7F) << shift
        shift += 7
        if not digit & 0x80:
            break
    return kind[0] & 0xF0, s.read(length) if length else b""


def connect():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=CAFILE)
    raw = socket.socket()
    raw.settimeout(10)  # the TLS socket's reads and writes use the socket's timeout
    raw.connect(socket.getaddrinfo(HOST, PORT)[0][-1])
    s = context.wrap_socket(raw, server_hostname=HOST)
    print("TLS:", s.cipher()[0], s.cipher()[1])
    s.write(packet(CONNECT, utf8_field("MQTT") + bytes([4, 0x02, 0, 60]) + utf8_field(CLIENT_ID)))
    kind, body = read_packet(s)
    if kind != CONNACK or body[1] != 0:
        raise OSError(104)
    s.write(packet(SUBSCRIBE, b"\x00\x01" + utf8_field(TOPIC) + b"\x00"))
    kind, body = read_packet(s)
    if kind != SUBACK:
        raise OSError(104)
    return s


def main():
    s = connect()
    poller = select.poll()
    poller.register(s, select.POLLIN)
    echoed = 0
    for i in range(COUNT):
        s.write(packet(PUBLISH, utf8_field(TOPIC) + b"reading %d" % i))
        # Decrypted data can wait in the TLS layer with nothing left in the TCP socket:
        # select.poll knows, so the loop wakes for it.
        if not poller.poll(WAIT_MS):
            print("no echo for reading %d" % i)
            continue
        kind, body = read_packet(s)
        if kind == PUBLISH:
            echoed += 1
            print("echo:", body[2 + len(TOPIC) :].decode())
    s.write(DISCONNECT)
    s.close()
    print("done: %d published, %d came back" % (COUNT, echoed))


main()
