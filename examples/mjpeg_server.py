# An MJPEG stream server: a browser (or VLC) opening http://CAMERA:PORT/ sees a live picture.
# On the camera each frame is sensor.snapshot().compress(); here frames are small fake JPEGs
# (SOI, a comment carrying the frame number, filler, EOI), so the stream can be checked.
#
#   mpsock run examples/mjpeg_server.py 8080
#
# Arguments: [PORT [FRAMES [CLIENTS]]]: send FRAMES frames to each client and stop after
# CLIENTS clients (0, the default, means forever). A client that goes away mid-stream (the
# browser tab closed, the WiFi dropped) costs an OSError on the next send; the server closes
# that connection and waits for the next viewer.
import socket
import sys
import time

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
FRAMES = int(sys.argv[2]) if len(sys.argv) > 2 else 0
CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 0
BOUNDARY = "mpsockframe"
FRAME_BYTES = 2000  # larger than one segment, so each frame crosses the link in several
FRAME_INTERVAL_MS = 20  # the time a snapshot and its compression take


def fake_jpeg(number):
    comment = ("frame %d" % number).encode()
    length = len(comment) + 2
    head = bytes([0xFF, 0xD8, 0xFF, 0xFE, length >> 8, length & 0xFF]) + comment
    filler = bytes([(number + i) & 0x7F for i in range(FRAME_BYTES - len(head) - 2)])
    return head + filler + b"\xff\xd9"


def read_request(conn):
    # The request line and headers, up to the blank line; the path does not matter here.
    first = conn.readline()
    while True:
        line = conn.readline()
        if not line or line == b"\r\n":
            return first


def stream(conn, frames):
    conn.sendall(
        b"HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\n"
        b"Content-Type: multipart/x-mixed-replace; boundary=" + BOUNDARY.encode() + b"\r\n\r\n"
    )
    sent = 0
    while frames == 0 or sent < frames:
        jpeg = fake_jpeg(sent)
        part = "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (BOUNDARY, len(jpeg))
        # sendall loops over send(), which takes only what fits in the send buffer.
        conn.sendall(part.encode())
        conn.sendall(jpeg)
        conn.sendall(b"\r\n")
        sent += 1
        time.sleep_ms(FRAME_INTERVAL_MS)
    return sent


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", PORT))
    server.listen(1)
    print("listening on port %d" % PORT)
    served = 0
    while CLIENTS == 0 or served < CLIENTS:
        conn, addr = server.accept()
        print("viewer %s connected" % addr[0])
        conn.settimeout(5)
        try:
            request = read_request(conn)
            print("request: %s" % request.decode().strip())
            sent = stream(conn, FRAMES)
            print("sent %d frames" % sent)
        except OSError as e:
            print("viewer gone: errno %d" % e.args[0])
        conn.close()
        served += 1
    server.close()
    print("served %d viewers" % served)


main()
