# An MJPEG streamer in the style of OpenMV's network examples (the csi API): one viewer gets a
# multipart/x-mixed-replace stream of JPEG snapshots.
#   mpsock run mjpeg_streamer.py PORT FRAMES
import csi
import socket
import sys
import time

PORT = int(sys.argv[1])
FRAMES = int(sys.argv[2])

csi0 = csi.CSI()
csi0.reset()
csi0.pixformat(csi.RGB565)
csi0.framesize(csi.QVGA)
csi0.snapshot(time=300)  # let the sensor settle

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(["0.0.0.0", PORT])
s.listen(1)
print("listening on port %d" % PORT)

client, addr = s.accept()
client.settimeout(10.0)
data = client.recv(1024)  # the request; any path will do
client.sendall(
    "HTTP/1.1 200 OK\r\n"
    "Server: OpenMV\r\n"
    "Content-Type: multipart/x-mixed-replace;boundary=openmv\r\n"
    "Cache-Control: no-cache\r\n"
    "Pragma: no-cache\r\n\r\n"
)
clock = time.clock()
sent = 0
fps = 0
while sent < FRAMES:
    clock.tick()
    frame = csi0.snapshot()
    cframe = frame.to_jpeg(quality=35, copy=True)
    header = "\r\n--openmv\r\nContent-Type: image/jpeg\r\nContent-Length:" + str(cframe.size()) + "\r\n\r\n"
    client.sendall(header)
    client.sendall(cframe)
    fps = clock.fps()
    sent += 1
client.close()
s.close()
print("sent %d frames" % sent)
print("fps %.1f" % fps)
