"""The end-to-end workload: the same script runs under `mpsock-micropython` (the emulator's
socket and select) and under plain `python3` (CPython's native sockets), against the native
peer of bench/peer.py. It uses only what both offer (and MicroPython too, where it can).

    python3 bench/workload.py SCALE echo=N sink=N source=N accept=N udp=N hold=N [only=NAME,...]
                              [bulk=BYTES]

SCALE is `full` or `quick`; `only` runs just the named parts (the function names below), which
is how a profiler is pointed at one of them; `bulk` sets the bytes of each bulk transfer (a
camera profile's segment per recv makes the scale's size take long). Prints one
`RESULT name value` line per figure.
"""

import select
import socket
import sys
import time

MESSAGE = b"0123456789abcdef0123456789abcdef"  # 32 bytes
SEGMENT = 65536  # bytes per send/recv call in the bulk transfers (the desktop profile's MSS)

SCALES = {
    # name: (round trips, bulk bytes, connects, poll events, idle sockets, blocked recv seconds)
    "full": (5000, 128 << 20, 1000, 2000, 1000, 2.0),
    "quick": (1500, 32 << 20, 300, 600, 1000, 2.0),
}

try:
    from time import perf_counter as _perf_counter

    def now_s():
        return _perf_counter()

except ImportError:  # MicroPython

    def now_s():
        return time.ticks_us() / 1e6


def cpu_s():
    """CPU time of the whole process (every thread, the emulator's network thread too)."""
    process_time = getattr(time, "process_time", None)
    return process_time() if process_time else None


def rss_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def malloc_heap_bytes():
    """Bytes the C heap has handed out (glibc mallinfo2): the emulator core's and the bindings'
    allocations; CPython's small objects live in pymalloc arenas and do not count."""
    try:
        import ctypes
    except ImportError:
        return None
    fields = (
        "arena",
        "ordblks",
        "smblks",
        "hblks",
        "hblkhd",
        "usmblks",
        "fsmblks",
        "uordblks",
        "fordblks",
        "keepcost",
    )

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in fields]

    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (AttributeError, OSError):
        return None
    mallinfo2.restype = MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# Throughput and rate figures are the median of this many repetitions within a run, and latency
# figures the median of the single round trips: the machine is shared, and a burst of someone
# else's work should move the figure only when it lasts for most of the measurement.
REPEATS = 3


def result(name, value):
    print("RESULT %s %s" % (name, "nan" if value is None else repr(float(value))))


def tcp_connect(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", port))
    return s


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        piece = s.recv(n - len(data))
        if not piece:
            raise OSError("peer closed")
        data += piece
    return data


def tcp_round_trip(ports, count):
    s = tcp_connect(ports["echo"])
    for _ in range(count // 10):  # warm up
        s.send(MESSAGE)
        recv_exact(s, len(MESSAGE))
    samples = []
    for _ in range(count):
        start = now_s()
        s.send(MESSAGE)
        recv_exact(s, len(MESSAGE))
        samples.append(now_s() - start)
    s.close()
    result("tcp_rtt_us", median(samples) * 1e6)


def bulk_send(ports, total):
    result("bulk_send_mb_s", median([bulk_send_once(ports, total) for _ in range(REPEATS)]))


def bulk_send_once(ports, total):
    s = tcp_connect(ports["sink"])
    s.send(str(total).encode() + b"\n")
    chunk = bytes(SEGMENT)
    start = now_s()
    left = total
    while left > 0:
        n = min(left, SEGMENT)
        s.sendall(chunk if n == SEGMENT else chunk[:n])
        left -= n
    recv_exact(s, 1)  # the sink has it all
    elapsed = now_s() - start
    s.close()
    return total / elapsed / 1e6


def bulk_receive(ports, total):
    result("bulk_recv_mb_s", median([bulk_receive_once(ports, total) for _ in range(REPEATS)]))


def bulk_receive_once(ports, total):
    s = tcp_connect(ports["source"])
    s.send(str(total).encode() + b"\n")
    start = now_s()
    left = total
    while left > 0:
        piece = s.recv(SEGMENT)
        if not piece:
            raise OSError("peer closed")
        left -= len(piece)
    elapsed = now_s() - start
    s.close()
    return total / elapsed / 1e6


def connect_rate(ports, count):
    address = ("127.0.0.1", ports["accept"])
    rates = []
    for _ in range(REPEATS):
        start = now_s()
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.connect(address)
            s.close()
        rates.append(count / (now_s() - start))
    result("connect_per_s", median(rates))


def udp_round_trip(ports, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = ("127.0.0.1", ports["udp"])
    for _ in range(count // 10):
        s.sendto(MESSAGE, address)
        s.recvfrom(64)
    samples = []
    for _ in range(count):
        start = now_s()
        s.sendto(MESSAGE, address)
        s.recvfrom(64)
        samples.append(now_s() - start)
    s.close()
    result("udp_rtt_us", median(samples) * 1e6)


def poll_idle_plus_active(ports, idle_count, events):
    """A poll-driven server loop: idle_count silent connections plus one echo connection; each
    event is one echo of MESSAGE reported ready by poll()."""
    # The emulator's stack exists before the "before" figures, as the interpreter does.
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    rss_before, heap_before = rss_kib(), malloc_heap_bytes()
    idle = [tcp_connect(ports["hold"]) for _ in range(idle_count)]
    active = tcp_connect(ports["echo"])
    rss_after, heap_after = rss_kib(), malloc_heap_bytes()

    poller = select.poll()
    for s in idle:
        poller.register(s, select.POLLIN)
    poller.register(active, select.POLLIN)
    # CPython's poll reports descriptors, the emulator's the socket objects.
    active_fd = active.fileno() if hasattr(active, "fileno") else None

    def one_event():
        active.send(MESSAGE)
        while True:
            for obj, _ in poller.poll(5000):
                if obj is active or obj == active_fd:
                    recv_exact(active, len(MESSAGE))
                    return
                raise OSError("an idle socket was reported ready")

    for _ in range(events // 10):
        one_event()
    samples = []
    for _ in range(events):
        start = now_s()
        one_event()
        samples.append(now_s() - start)
    result("poll_1000_idle_us", median(samples) * 1e6)

    if rss_before is not None and rss_after is not None:
        result("rss_1000_conn_mib", rss_after / 1024)
        result("rss_per_conn_kib", (rss_after - rss_before) / (idle_count + 1))
    if heap_before is not None and heap_after is not None:
        result("heap_per_conn_bytes", (heap_after - heap_before) / (idle_count + 1))
    for s in idle:
        s.close()
    active.close()


def blocked_recv_cpu(ports, seconds):
    s = tcp_connect(ports["hold"])
    s.settimeout(seconds)
    cpu_before, start = cpu_s(), now_s()
    try:
        s.recv(1)
    except OSError:  # the timeout: OSError(110) on the camera, TimeoutError in CPython
        pass
    cpu_after, elapsed = cpu_s(), now_s() - start
    s.close()
    result("blocked_recv_wall_s", elapsed)
    result("blocked_recv_cpu_ms", None if cpu_before is None else (cpu_after - cpu_before) * 1e3)


def sleep_cpu(seconds):
    """time.sleep with no socket open: the emulator's sleep waits on its stack."""
    cpu_before = cpu_s()
    time.sleep(seconds)
    cpu_after = cpu_s()
    result("sleep_cpu_ms", None if cpu_before is None else (cpu_after - cpu_before) * 1e3)


def main():
    scale = sys.argv[1]
    ports = {}
    only = None
    bulk = None
    for item in sys.argv[2:]:
        name, value = item.split("=")
        if name == "only":
            only = value.split(",")
        elif name == "bulk":
            bulk = int(value)
        else:
            ports[name] = int(value)
    round_trips, bulk_bytes, connects, poll_events, idle_sockets, blocked_seconds = SCALES[scale]
    if bulk is not None:
        bulk_bytes = bulk
    parts = (
        # Before any socket exists: a blocked call with nothing on the network.
        (sleep_cpu, (blocked_seconds,)),
        # While the heap is fresh, so the memory figures are about the connections alone.
        (poll_idle_plus_active, (ports, idle_sockets, poll_events)),
        (tcp_round_trip, (ports, round_trips)),
        (udp_round_trip, (ports, round_trips)),
        (connect_rate, (ports, connects)),
        (bulk_send, (ports, bulk_bytes)),
        (bulk_receive, (ports, bulk_bytes)),
        (blocked_recv_cpu, (ports, blocked_seconds)),
    )
    for part, args in parts:
        if only is None or part.__name__ in only:
            part(*args)


main()
