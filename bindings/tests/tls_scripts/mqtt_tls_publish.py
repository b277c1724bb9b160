# Publishes readings to an MQTT broker over TLS with a umqtt.simple-style client and
# ssl=True, checks that the broker delivers them back (the client subscribes to its own
# topic), polling with check_msg() between publishes as camera scripts do.
#
# Arguments: BROKER PORT CAFILE COUNT
import sys
import time

import ssl
from umqtt.simple import MQTTClient

BROKER = sys.argv[1]
PORT = int(sys.argv[2])
CAFILE = sys.argv[3]
COUNT = int(sys.argv[4])
TOPIC = b"openmv/readings"

with open(CAFILE, "rb") as f:
    CA = f.read()

received = []


def on_message(topic, msg):
    received.append(msg)


client = MQTTClient(
    "openmv-cam",
    BROKER,
    port=PORT,
    keepalive=30,
    ssl=True,
    ssl_params={"server_hostname": BROKER, "cert_reqs": ssl.CERT_REQUIRED, "cadata": CA},
)
client.set_callback(on_message)
print("connected, session present:", client.connect(timeout=10))
print("cipher", client.sock.cipher())
client.subscribe(TOPIC)
for i in range(COUNT):
    client.publish(TOPIC, b"reading %d" % i)
    deadline = time.ticks_add(time.ticks_ms(), 10000)
    while len(received) <= i and time.ticks_diff(deadline, time.ticks_ms()) > 0:
        client.check_msg()
        time.sleep_ms(10)
print("received", [m.decode() for m in received])
client.disconnect()
