# A camera talking to the desktop: a UDP round trip, then 10000 bytes through a TCP echo
# server and back. Run the desktop side first (python3 examples/desktop/echo_server.py, which
# listens on 127.0.0.1:8765, or with --bind 0.0.0.0 for a real camera), then this script with
# the desktop's address (default 127.0.0.1: under mpsock, the desktop's loopback stands for the
# LAN). It shows what the camera's lwIP does: send() takes at most the send buffer, recv() hands
# back one segment at a time, a UDP datagram longer than the buffer is cut.
import socket
import sys
import time

host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 8765
address = socket.getaddrinfo(host, port)[0][-1]

# UDP first: a reading, echoed back by the desktop.
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.settimeout(0.5)
for attempt in range(20):  # the desktop side may still be starting
    udp.sendto(b"telemetry 42", address)
    try:
        print("udp:", udp.recv(8), "(a datagram longer than the buffer is cut)")
        break
    except OSError as e:
        if e.args[0] != 110:
            raise
udp.settimeout(0.2)
try:
    udp.recv(8)
except OSError as e:
    print("udp recv timeout errno:", e.args[0])
udp.close()

# TCP: connect (a refused connect is OSError(104) on lwIP, not ECONNREFUSED), then echo.
client = None
for attempt in range(50):
    client = socket.socket()
    try:
        client.connect(address)
        break
    except OSError as e:
        client.close()
        client = None
        if e.args[0] != 104:
            raise
        time.sleep_ms(100)
if client is None:
    print("no echo server at", host, port)
    sys.exit(1)
print("connected to", host, port)

payload = b"frame" * 2000  # 10000 bytes: more than the send buffer and than one segment
sent = client.send(payload)
print("send() took", sent, "of", len(payload), "bytes")  # a short write on a camera
client.sendall(payload[sent:])

echoed = b""
segments = []
client.settimeout(5)
while len(echoed) < len(payload):
    data = client.recv(65536)
    if not data:
        break
    segments.append(len(data))
    echoed += data
print("echo intact:", echoed == payload)
print("recv() sizes:", segments, "(each at most one segment)")
client.close()
