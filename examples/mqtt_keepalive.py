# An MQTT 3.1.1 client kept alive: CONNECT, a PUBLISH now and then, and a PINGREQ every half
# keep-alive period, each answered by the broker's PINGRESP. A broker that stops answering, or
# a connection that breaks, ends the session; the client connects again. The packets are
# built by hand, so the framing on the wire is plain to see.
#
#   mpsock run --host broker.lan=127.0.0.1 examples/mqtt_keepalive.py broker.lan 1883 60 10
#
# Arguments: [HOST [PORT [KEEPALIVE_S [PINGS [CLIENT_ID]]]]]: stop after PINGS answered pings.
import socket
import sys
import time

HOST = sys.argv[1] if len(sys.argv) > 1 else "broker.lan"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
KEEPALIVE_S = int(sys.argv[3]) if len(sys.argv) > 3 else 60
PINGS = int(sys.argv[4]) if len(sys.argv) > 4 else 10
CLIENT_ID = sys.argv[5] if len(sys.argv) > 5 else "openmv-cam"

CONNECT = 0x10
CONNACK = 0x20
PUBLISH = 0x30
PINGREQ = b"\xc0\x00"
PINGRESP = 0xD0
DISCONNECT = b"\xe0\x00"
ECONNRESET = 104
RETRY_MS = 500


def remaining_length(n):
    # MQTT's variable-length integer: 7 bits a byte, the top bit says "more follows".
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


def connect_packet(client_id, keepalive):
    # Protocol name "MQTT", level 4, flags: clean session; then the keep-alive in seconds.
    header = utf8_field("MQTT") + bytes([4, 0x02, keepalive >> 8, keepalive & 0xFF])
    return packet(CONNECT, header + utf8_field(client_id))


def publish_packet(topic, message):
    return packet(PUBLISH, utf8_field(topic) + message.encode())


def read_exactly(s, n):
    # A stream read keeps reading until n bytes (or the end): no short reads on a socket.
    data = s.read(n)
    if data is None or len(data) < n:
        raise OSError(ECONNRESET)  # the broker closed the connection
    return data


def read_packet(s):
    kind = read_exactly(s, 1)[0]
    length = 0
    shift = 0
    while True:
        digit = read_exactly(s, 1)[0]
        length |= (digit & 0x7F) << shift
        shift += 7
        if not digit & 0x80:
            break
    return kind & 0xF0, read_exactly(s, length) if length else b""


def open_session(addr):
    s = socket.socket()
    # A broker that is silent for a whole keep-alive period is gone.
    s.settimeout(KEEPALIVE_S)
    try:
        s.connect(addr)
        s.sendall(connect_packet(CLIENT_ID, KEEPALIVE_S))
        kind, body = read_packet(s)
    except OSError:
        s.close()
        raise
    if kind != CONNACK or len(body) != 2 or body[1] != 0:
        s.close()
        raise OSError(ECONNRESET)
    print("connected to %s:%d, keep-alive %ds" % (HOST, PORT, KEEPALIVE_S))
    return s


def main():
    addr = socket.getaddrinfo(HOST, PORT)[0][-1]
    topic = "cameras/%s/alive" % CLIENT_ID
    answered = 0
    published = 0
    sessions = 0
    s = None
    while answered < PINGS:
        try:
            if s is None:
                s = open_session(addr)
                sessions += 1
            s.sendall(publish_packet(topic, "%d" % published))
            published += 1
            time.sleep_ms(KEEPALIVE_S * 500)
            s.sendall(PINGREQ)
            kind, _ = read_packet(s)
            if kind == PINGRESP:
                answered += 1
                print("PINGRESP %d" % answered)
        except OSError as e:
            print("session ended: errno %d, reconnecting" % e.args[0])
            if s is not None:
                s.close()
                s = None
            time.sleep_ms(RETRY_MS)
    s.sendall(DISCONNECT)
    s.close()
    print("done: %d pings answered, %d messages published, %d sessions" % (answered, published, sessions))


main()
