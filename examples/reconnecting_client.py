# A TCP client that survives a flaky network: the shape of a camera that reports what it sees
# to a host. It sends one "reading N" line at a time and waits for the server's "ok N". When a
# call fails (the connection reset, the server gone, a timeout) it closes the socket, rejoins
# the WiFi if that was lost, backs off, connects again and resends what was not acknowledged.
#
#   mpsock run --host collector.lan=127.0.0.1 examples/reconnecting_client.py collector.lan 9000 20
#
# Arguments: [HOST [PORT [COUNT [TIMEOUT_S]]]].
import socket
import sys
import time

import network

HOST = sys.argv[1] if len(sys.argv) > 1 else "collector.lan"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 9000
COUNT = int(sys.argv[3]) if len(sys.argv) > 3 else 20
TIMEOUT_S = float(sys.argv[4]) if len(sys.argv) > 4 else 5
SSID = "your-ssid"
KEY = "your-key"
PERIOD_MS = 100
BACKOFF_MS = (100, 200, 500, 1000, 2000)
JOIN_TIMEOUT_MS = 20000


def wifi_up(wlan):
    if wlan.isconnected():
        return
    print("wifi: joining %s" % SSID)
    wlan.active(True)
    wlan.connect(SSID, KEY)
    start = time.ticks_ms()
    while not wlan.isconnected():
        if time.ticks_diff(time.ticks_ms(), start) > JOIN_TIMEOUT_MS:
            raise OSError(110)
        time.sleep_ms(100)
    print("wifi: connected as %s" % wlan.ifconfig()[0])


def open_connection():
    addr = socket.getaddrinfo(HOST, PORT)[0][-1]
    s = socket.socket()
    s.settimeout(TIMEOUT_S)
    try:
        s.connect(addr)
    except OSError:
        s.close()
        raise
    return s


def main():
    wlan = network.WLAN(network.STA_IF)
    acked = 0
    connections = 0
    failures = 0
    s = None
    while acked < COUNT:
        try:
            if s is None:
                wifi_up(wlan)
                s = open_connection()
                connections += 1
                failures = 0
                print("connected to %s:%d (connection %d)" % (HOST, PORT, connections))
            s.sendall(("reading %d\n" % acked).encode())
            line = s.readline()
            if not line:
                print("server closed the connection")
                s.close()
                s = None
                continue
            if line.strip() == ("ok %d" % acked).encode():
                acked += 1
            time.sleep_ms(PERIOD_MS)
        except OSError as e:
            print("connection lost: errno %d" % e.args[0])
            if s is not None:
                s.close()
                s = None
            time.sleep_ms(BACKOFF_MS[min(failures, len(BACKOFF_MS) - 1)])
            failures += 1
    s.sendall(b"bye\n")
    s.close()
    print("done: %d readings acknowledged over %d connections" % (acked, connections))


main()
