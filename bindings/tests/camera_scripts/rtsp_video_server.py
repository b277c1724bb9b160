# An RTSP video server as OpenMV's rtsp example writes it, on the csi API.
#   mpsock run rtsp_video_server.py PORT
import csi
import network
import rtsp
import sys
import time

PORT = int(sys.argv[1])

csi0 = csi.CSI()
csi0.reset()
csi0.pixformat(csi.RGB565)
csi0.framesize(csi.QVGA)

network_if = network.WLAN(network.STA_IF)
network_if.active(True)
network_if.connect("your-ssid", "your-password")
while not network_if.isconnected():
    print("Trying to connect. Note this may take a while...")
    time.sleep_ms(1000)

server = rtsp.rtsp_server(network_if, PORT)
clock = time.clock()
frames = [0]


def setup_callback(pathname, session):
    print('Opening "%s" in session %d' % (pathname, session))


def play_callback(pathname, session):
    clock.reset()
    clock.tick()
    print('Playing "%s" in session %d' % (pathname, session))


def teardown_callback(pathname, session):
    print('Closing "%s" in session %d' % (pathname, session))


def image_callback(pathname, session):
    img = csi0.snapshot()
    frames[0] += 1
    clock.tick()
    return img


server.register_setup_cb(setup_callback)
server.register_play_cb(play_callback)
server.register_teardown_cb(teardown_callback)
server.stream(image_callback, quality=70)
print("streamed %d frames" % frames[0])
