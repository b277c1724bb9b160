# Describe-the-scene client in the style of OpenMV's openai_compatible example: a snapshot as a
# base64 data URL in a chat-completions JSON request to an OpenAI-compatible API.
#   mpsock run vision_client.py API_BASE
import binascii
import csi
import requests
import sys

API_BASE = sys.argv[1]
API_KEY = "test-key"

csi0 = csi.CSI()
csi0.reset()
csi0.pixformat(csi.RGB565)
csi0.framesize(csi.QVGA)
csi0.snapshot(time=200)


def describe(text, image_url, model="vision-model"):
    headers = {"Authorization": "Bearer " + API_KEY}
    data = {
        "model": model,
        "max_tokens": 128,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": image_url}},
                    {"type": "text", "text": text},
                ],
            }
        ],
    }
    response = requests.post(API_BASE + "/chat/completions", headers=headers, json=data, timeout=60)
    print("HTTP status:", response.status_code, response.reason)
    return response.json()["choices"][0]["message"]["content"]


jpeg = csi0.snapshot().to_jpeg()
print("JPEG size:", jpeg.size())
encoded = binascii.b2a_base64(jpeg.bytearray())
if encoded[-1:] == b"\n":
    encoded = encoded[:-1]
image_url = "data:image/jpeg;base64," + encoded.decode()
print("Response:", describe("Answer in one sentence: what scene is depicted in the image?", image_url))
