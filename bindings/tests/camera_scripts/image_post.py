# Takes a picture and uploads it: an HTTP POST with the JPEG as the body, a caption drawn on it.
#   mpsock run image_post.py URL
import csi
import requests
import sys

URL = sys.argv[1]

csi0 = csi.CSI()
csi0.reset()
csi0.pixformat(csi.RGB565)
csi0.framesize(csi.VGA)
csi0.snapshot(frames=5)

img = csi0.snapshot()
img.draw_rectangle(10, 10, 100, 40, color=(255, 0, 0), thickness=3)
img.draw_cross(320, 240, color=(0, 255, 0), size=20)
img.draw_string(20, 20, "upload", color=(255, 255, 255), scale=2)
jpeg = img.compress(quality=80)
r = requests.post(URL, data=jpeg.bytearray(), headers={"Content-Type": "image/jpeg"}, timeout=10)
print("HTTP status:", r.status_code, r.reason)
print("uploaded %d bytes" % jpeg.size())
