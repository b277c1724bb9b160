"""The TLS benchmark's workload: the same script under `mpsock-micropython` (the emulator's ssl
and tls modules over its sockets) and under plain `python3` (CPython's ssl on native sockets),
against bench/tls_peer.py.

    python3 bench/tls_workload.py SCALE sink=N source=N handshake=N

Prints one `RESULT name value` line per figure: bulk send and receive throughput through TLS
(MB of application data per second) and the time of a TLS handshake.
"""

import socket
import sys
import time

import ssl

try:
    import tls  # noqa: F401 - only whether the script runs on the firmware's modules

    FIRMWARE = True
except ImportError:
    FIRMWARE = False

SEGMENT = 65536  # bytes per write call of the bulk send, and asked per recv call
REPEATS = 3
SCALES = {
    # name: (bulk bytes, handshakes)
    "full": (64 << 20, 60),
    "quick": (16 << 20, 20),
}

try:
    from time import perf_counter as now_s
except ImportError:  # MicroPython

    def now_s():
        return time.ticks_us() / 1e6


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def result(name, value):
    print("RESULT %s %.6g" % (name, value))


def connect(port):
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    if FIRMWARE:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # the wrapper's CERT_NONE
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(s, server_hostname="bench.example")


def write_all(t, data):
    if FIRMWARE:
        t.write(data)
    else:
        t.sendall(data)


def read_exactly(t, n):
    data = b""
    while len(data) < n:
        piece = t.recv(n - len(data))
        if not piece:
            raise OSError("peer closed")
        data += piece
    return data


def bulk_send_once(port, total):
    t = connect(port)
    write_all(t, str(total).encode() + b"\n")
    chunk = bytes(SEGMENT)
    start = now_s()
    left = total
    while left > 0:
        n = min(left, SEGMENT)
        write_all(t, chunk if n == SEGMENT else chunk[:n])
        left -= n
    read_exactly(t, 1)
    elapsed = now_s() - start
    t.close()
    return total / elapsed / 1e6


def bulk_receive_once(port, total):
    t = connect(port)
    write_all(t, str(total).encode() + b"\n")
    start = now_s()
    left = total
    while left > 0:
        piece = t.recv(SEGMENT)
        if not piece:
            raise OSError("peer closed")
        left -= len(piece)
    elapsed = now_s() - start
    t.close()
    return total / elapsed / 1e6


def handshakes(port, count):
    times = []
    for _ in range(count):
        start = now_s()
        t = connect(port)
        read_exactly(t, 1)
        times.append(now_s() - start)
        t.close()
    return median(times) * 1e3


def main():
    scale = sys.argv[1]
    ports = dict(arg.split("=") for arg in sys.argv[2:])
    ports = {name: int(port) for name, port in ports.items()}
    total, count = SCALES[scale]
    result("tls_send_mb_s", median([bulk_send_once(ports["sink"], total) for _ in range(REPEATS)]))
    result("tls_recv_mb_s", median([bulk_receive_once(ports["source"], total) for _ in range(REPEATS)]))
    result("tls_handshake_ms", handshakes(ports["handshake"], count))


main()
