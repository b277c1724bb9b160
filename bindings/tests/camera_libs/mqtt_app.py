# A camera script publishing readings over MQTT and taking commands back.
import sys
import time
from minimqtt import MQTTClient, client_id

got = []
c = MQTTClient(client_id(), sys.argv[1], int(sys.argv[2]), user=b"cam", password=b"pw", keepalive=30)
c.set_callback(lambda topic, msg: got.append((topic, msg)))
c.connect(timeout=10)
c.subscribe(b"cam/cmd")
for i in range(3):
    c.publish(b"cam/temp", b"%d" % (20 + i), qos=1)
c.ping()
deadline = time.ticks_add(time.ticks_ms(), 10000)
while not got and time.ticks_diff(deadline, time.ticks_ms()) > 0:
    c.check_msg()
    time.sleep_ms(20)
print("command", got[0][0], got[0][1])
c.disconnect()
