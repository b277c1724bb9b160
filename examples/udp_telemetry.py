# UDP telemetry with broadcast: the camera announces a reading every PERIOD_MS to everyone on
# the LAN, and a dashboard listening on PORT picks it up. A dashboard may answer "stop" to the
# address the readings come from.
#
#   mpsock run examples/udp_telemetry.py 5005 20 100
#
# Arguments: [PORT [COUNT [PERIOD_MS [TARGET]]]]; TARGET defaults to the broadcast address.
# UDP has no retries: a datagram the network loses is gone, and while the WiFi is down sendto()
# fails with EHOSTUNREACH (113), so the script counts what it could not send and carries on.
import socket
import sys
import time

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5005
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 50
PERIOD_MS = int(sys.argv[3]) if len(sys.argv) > 3 else 200
TARGET = sys.argv[4] if len(sys.argv) > 4 else "255.255.255.255"
EAGAIN = 11


def reading(seq, start):
    # A stand-in for what the camera measured (blob count, brightness...).
    uptime = time.ticks_diff(time.ticks_ms(), start)
    return ("seq=%d uptime_ms=%d blobs=%d" % (seq, uptime, seq % 7)).encode()


def stop_requested(sock):
    # Non-blocking: a reply may or may not be waiting.
    try:
        data, addr = sock.recvfrom(64)
    except OSError as e:
        if e.args[0] == EAGAIN:
            return False
        raise
    print("command %s from %s" % (data.decode(), addr[0]))
    return data.strip() == b"stop"


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setblocking(False)
    start = time.ticks_ms()
    sent = 0
    failed = 0
    for seq in range(COUNT):
        try:
            sock.sendto(reading(seq, start), (TARGET, PORT))
            sent += 1
        except OSError as e:
            failed += 1
            print("reading %d not sent: errno %d" % (seq, e.args[0]))
        if stop_requested(sock):
            break
        time.sleep_ms(PERIOD_MS)
    sock.close()
    print("sent %d readings, %d not sent" % (sent, failed))


main()
