# The same stream with the older sensor API, compressed(), a grayscale VGA frame with a caption,
# and the board LED blinking on each frame (older OpenMV examples look like this).
#   mpsock run sensor_streamer.py PORT FRAMES
import pyb
import sensor
import socket
import sys
import time

PORT = int(sys.argv[1])
FRAMES = int(sys.argv[2])

sensor.reset()
sensor.set_pixformat(sensor.GRAYSCALE)
sensor.set_framesize(sensor.VGA)
sensor.skip_frames(10)
led = pyb.LED(3)

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(["0.0.0.0", PORT])
s.listen(1)
print("listening on port %d" % PORT)
client, addr = s.accept()
client.settimeout(10.0)
client.recv(1024)
client.send("HTTP/1.1 200 OK\r\nServer: OpenMV\r\n"
            "Content-Type: multipart/x-mixed-replace;boundary=openmv\r\n\r\n")
clock = time.clock()
for i in range(FRAMES):
    clock.tick()
    led.toggle()
    img = sensor.snapshot()
    img.draw_string(4, 440, "cam %d" % i, color=255, scale=2)
    cframe = img.compressed(quality=50)
    client.sendall("\r\n--openmv\r\nContent-Type: image/jpeg\r\nContent-Length:%d\r\n\r\n" % cframe.size())
    client.sendall(cframe)
led.off()
client.close()
s.close()
print("size %dx%d" % (img.width(), img.height()))
print("fps %.1f" % clock.fps())
