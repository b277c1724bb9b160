# A camera-style script that needs no other machine: a TCP echo server and a client in one
# poll loop, then a UDP round trip. Under `mpsock run` it shows what the camera's lwIP does:
# recv() hands back one segment at a time and send() takes at most the send buffer.
import errno
import select
import socket
import time

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8765))
server.listen(1)
server.setblocking(False)

client = socket.socket()
client.setblocking(False)
try:
    client.connect(("127.0.0.1", 8765))
except OSError as e:
    print("connect:", "EINPROGRESS" if e.args[0] == 115 else e.args[0])

poller = select.poll()
poller.register(server, select.POLLIN)
poller.register(client, select.POLLOUT)

payload = b"frame" * 2000  # 10000 bytes: more than the send buffer and than one segment
sent = 0
echoed = b""
segments = []
conn = None
pending = b""
start = time.ticks_ms()
while len(echoed) < len(payload) and time.ticks_diff(time.ticks_ms(), start) < 5000:
    for obj, events in poller.poll(1000):
        if obj is server:
            conn, addr = server.accept()
            conn.setblocking(False)
            poller.register(conn, select.POLLIN)
            print("accepted a connection from", addr[0])
        elif obj is client and events & select.POLLOUT and sent < len(payload):
            n = client.send(payload[sent:])
            print("client send() took", n, "of", len(payload) - sent, "bytes")
            sent += n
            if sent == len(payload):
                poller.modify(client, select.POLLIN)
        elif obj is conn:
            # The echo side writes what the send buffer takes and keeps the rest: a
            # non-blocking sendall() would raise EAGAIN on a slow link, as on the camera.
            if events & select.POLLIN:
                pending += conn.recv(65536)
            if pending:
                try:
                    pending = pending[conn.send(pending):]
                except OSError as e:
                    if e.args[0] != errno.EAGAIN:
                        raise
            poller.modify(conn, select.POLLIN | select.POLLOUT if pending else select.POLLIN)
        elif obj is client and events & select.POLLIN:
            data = client.recv(65536)
            segments.append(len(data))
            echoed += data

print("echo intact:", echoed == payload)
print("recv() sizes:", segments, "(each at most one segment)")

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 8766))
udp.sendto(b"telemetry 42", ("127.0.0.1", 8766))
udp.settimeout(1)
print("udp:", udp.recv(8), "(a datagram longer than the buffer is cut)")
udp.settimeout(0.2)
try:
    udp.recv(8)
except OSError as e:
    print("udp recv timeout errno:", e.args[0])

for s in (udp, client, conn, server):
    if s:
        s.close()
