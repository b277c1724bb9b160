"""Soak: many connections through one stack, then nothing left behind. Each test warms up
first (allocator pools, the network thread's wake-up descriptor), then measures descriptors
(/proc/self/fd), resident memory and the stack's pcb counts around the work, with limits.
The desktop profile lifts the camera's socket limits where they would get in the way."""

import hashlib
import os
import subprocess
import sys
import threading
import time

import pytest
from native_peers import free_port
from process_usage import descriptors_settle_at, open_descriptors, raise_descriptor_limit, resident_bytes

# A leak of ~400 bytes per connection over 10,000 cycles stays under this; a real one does not.
RSS_GROWTH_LIMIT = 4 << 20
# Under a sanitizer (.ci/sanitizers sets this) resident memory says nothing: ASan keeps freed
# blocks in its quarantine, TSan grows shadow memory. LeakSanitizer checks the heap there.
MEASURE_RESIDENT = not os.environ.get("MPSOCK_SANITIZER")
TIMEOUT = 10.0


def listener(module, backlog=16):
    server = module.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(backlog)
    server.settimeout(TIMEOUT)
    return server


def port_of(server):
    return server.getsockname()[1]  # the desktop profile's socket has getsockname


def connect_accept_close(module, server, port):
    client = module.socket()
    client.settimeout(TIMEOUT)
    client.connect(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()
    client.close()


class Usage:
    """Descriptors, memory and pcbs at one moment."""

    def __init__(self):
        import mpsock

        self.descriptors = open_descriptors()
        self.resident = resident_bytes()
        self.pcbs = mpsock.pcbs_in_use()


def assert_no_growth(before, after, rss_limit=RSS_GROWTH_LIMIT):
    assert after.descriptors == before.descriptors, "descriptors: %d before, %d after" % (
        before.descriptors,
        after.descriptors,
    )
    assert after.pcbs == before.pcbs
    growth = after.resident - before.resident
    if MEASURE_RESIDENT:
        assert growth <= rss_limit, "resident memory grew by %d KiB" % (growth >> 10)


def assert_nothing_left_since(before):
    """Once closes finishing in the background are done, nothing more is held than before."""
    descriptors_settle_at(before.descriptors)
    assert_no_growth(before, Usage())


def test_ten_thousand_connect_close_cycles_leave_nothing_behind(desktop):
    server = listener(desktop)
    port = port_of(server)
    for _ in range(500):
        connect_accept_close(desktop, server, port)
    before = Usage()
    for _ in range(10_000):
        connect_accept_close(desktop, server, port)
    assert_nothing_left_since(before)
    server.close()


def test_camera_socket_count_survives_two_thousand_cycles(emu):
    # Five TCP pcbs on the camera: one leaked per cycle and socket() fails with ENOMEM. The
    # camera profile has no getsockname, so the listener takes a port chosen up front. The
    # peers are the desktop's (a camera cannot connect to its own listener): each cycle the
    # camera accepts one connection and makes one.
    import socket as native

    import mpsock

    port = free_port()
    server = emu.socket()
    server.setsockopt(emu.SOL_SOCKET, emu.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(2)
    server.settimeout(TIMEOUT)
    desktop = native.socket()
    desktop.bind(("127.0.0.1", 0))
    desktop.listen(16)
    desktop.settimeout(TIMEOUT)
    before = mpsock.pcbs_in_use()
    for _ in range(2_000):
        incoming = native.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        accepted, _ = server.accept()
        accepted.close()
        incoming.close()
        client = emu.socket()
        client.settimeout(TIMEOUT)
        client.connect(desktop.getsockname())
        conn, _ = desktop.accept()
        client.close()
        conn.close()
    assert mpsock.pcbs_in_use() == before
    server.close()
    desktop.close()


def test_thousand_simultaneous_connections_then_nothing_left(desktop):
    raise_descriptor_limit(open_descriptors() + 2_500)
    server = listener(desktop, backlog=128)
    port = port_of(server)

    def round_of(count):
        pairs = []
        for _ in range(count):
            client = desktop.socket()
            client.settimeout(TIMEOUT)
            client.connect(("127.0.0.1", port))
            accepted, _ = server.accept()
            accepted.settimeout(TIMEOUT)
            pairs.append((client, accepted))
        # All open at once, and every one of them carries data both ways.
        for number, (client, _) in enumerate(pairs):
            client.sendall(b"%d\n" % number)
        for number, (_, accepted) in enumerate(pairs):
            assert accepted.readline() == b"%d\n" % number
            accepted.sendall(b"ok")
        for client, _ in pairs:
            assert client.read(2) == b"ok"
        for client, accepted in pairs:
            client.close()
            accepted.close()

    round_of(1_000)  # warm-up
    before = Usage()
    round_of(1_000)
    round_of(1_000)
    assert_nothing_left_since(before)
    server.close()


def test_ten_thousand_udp_sockets_leave_nothing_behind(desktop):
    def cycle():
        s = desktop.socket(desktop.AF_INET, desktop.SOCK_DGRAM)
        s.settimeout(TIMEOUT)
        s.bind(("127.0.0.1", 0))
        s.sendto(b"ping", s.getsockname())
        assert s.recv(16) == b"ping"
        s.close()

    for _ in range(500):
        cycle()
    before = Usage()
    for _ in range(10_000):
        cycle()
    assert_nothing_left_since(before)


# Reads everything the emulator sends and sends it back, then prints the count and digest of
# what it saw. A separate process, so the two ends do not share a GIL.
ECHO_PEER = r"""
import hashlib, socket, sys
total = int(sys.argv[1])
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
server.settimeout(30)
print(server.getsockname()[1], flush=True)
conn, _ = server.accept()
conn.settimeout(30)
digest, seen = hashlib.sha256(), 0
while seen < total:
    data = conn.recv(1 << 20)
    if not data:
        break
    digest.update(data)
    seen += len(data)
    conn.sendall(data)
conn.close()
print(seen, digest.hexdigest(), flush=True)
"""


def transfer_checksummed(module, total):
    """Sends `total` bytes to a native echo peer from one thread and reads them back on
    another; returns (sent digest, echoed digest, bytes echoed, the peer's report)."""
    peer = subprocess.Popen([sys.executable, "-c", ECHO_PEER, str(total)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(peer.stdout.readline())
        s = module.socket()
        s.settimeout(30)
        s.connect(("127.0.0.1", port))
        block = bytearray(os.urandom(1 << 20))
        sent = {}

        def send_all():
            digest = hashlib.sha256()
            for index in range(total // len(block)):
                block[:8] = index.to_bytes(8, "little")  # a block lost or repeated changes the digest
                digest.update(block)
                s.sendall(block)
            sent["digest"] = digest.hexdigest()

        sender = threading.Thread(target=send_all)
        sender.start()
        digest, echoed = hashlib.sha256(), 0
        while True:
            data = s.recv(1 << 20)
            if not data:
                break
            digest.update(data)
            echoed += len(data)
        sender.join(TIMEOUT)
        s.close()
        report = peer.stdout.readline().split()
        peer.wait(TIMEOUT)
        return sent.get("digest"), digest.hexdigest(), echoed, report
    finally:
        peer.kill()
        peer.wait()


@pytest.mark.timeout(300)
def test_one_gibibyte_both_ways_arrives_intact(desktop):
    total = 1 << 30
    started = time.monotonic()
    sent, echoed_digest, echoed, (peer_count, peer_digest) = transfer_checksummed(desktop, total)
    assert int(peer_count) == total and echoed == total
    assert sent == peer_digest == echoed_digest
    print("1 GiB each way in %.1f s" % (time.monotonic() - started))


# Each segment crosses the shaped link on its own timer, so this costs a minute per GiB: the
# test command moves 256 MiB (128 MiB under a sanitizer, where the point is the memory checks
# on the shaped path, not the volume), MPSOCK_SLOW_TESTS=1 a whole GiB.
if os.environ.get("MPSOCK_SLOW_TESTS") == "1":
    LOSSY_TOTAL = 1 << 30
elif os.environ.get("MPSOCK_SANITIZER"):
    LOSSY_TOTAL = 128 << 20
else:
    LOSSY_TOTAL = 256 << 20


@pytest.mark.timeout(400)
def test_bulk_both_ways_arrives_intact_under_loss_and_latency(desktop):
    """Through the shaped link, where each segment crosses on its own timer and a lost one is
    delayed as a retransmit would be: still every byte, in order."""
    import mpsock

    mpsock._mpsock.set_conditions(latency_ms=2.0, jitter_ms=1.0, bandwidth_bps=0.0, loss=0.01, seed=11)
    started = time.monotonic()
    sent, echoed_digest, echoed, (peer_count, peer_digest) = transfer_checksummed(desktop, LOSSY_TOTAL)
    assert int(peer_count) == LOSSY_TOTAL and echoed == LOSSY_TOTAL
    assert sent == peer_digest == echoed_digest
    print("%d MiB each way under loss and latency in %.1f s" % (LOSSY_TOTAL >> 20, time.monotonic() - started))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_five_minute_mixed_soak_stays_flat(desktop):
    """Cycles, simultaneous connections, UDP and transfers for five minutes; memory and
    descriptors measured each minute must not climb."""
    raise_descriptor_limit(open_descriptors() + 600)
    server = listener(desktop, backlog=128)
    port = port_of(server)
    samples = []
    end = time.monotonic() + 300
    while time.monotonic() < end:
        minute = time.monotonic() + 60
        while time.monotonic() < minute:
            for _ in range(1_000):
                connect_accept_close(desktop, server, port)
            held = [desktop.socket() for _ in range(200)]
            for s in held:
                s.close()
            transfer_checksummed(desktop, 64 << 20)
        if samples:
            descriptors_settle_at(samples[0].descriptors)
        samples.append(Usage())
    for later in samples[1:]:
        assert_no_growth(samples[0], later)
    server.close()


# ---- Blocking transfers under the camera profiles ----
#
# A camera script's blocking sendall (of 12,000-byte chunks, as an upload does) or blocking
# receive, against a native peer in its own process that reads (or sends) as fast as it can,
# or slowly, under each camera profile, over a plain link and over shaped ones. What arrives
# must be what was sent, in order (sha256). A call that stops for good is ended by closing its
# socket after TRANSFER_TIMEOUT, and the test fails. The short run is part of CI; the long one
# (MPSOCK_SLOW_TESTS=1) moves more and repeats: see the README's Reliability section.

CAMERA_PROFILES = ["openmv-rt1062", "openmv-ae3", "openmv-n6", "stm32-generic"]
LINKS = {
    "plain": {},
    "latency_1ms": {"latency_ms": 1.0},
    "bandwidth_100Mbit": {"bandwidth_bps": 100e6},
}
TRANSFER_TIMEOUT = 30.0
UPLOAD_CHUNK = 12_000

# The native peer: one process for a whole run of transfers, so each costs a connection rather
# than an interpreter's start. For each job in turn it accepts a connection and either reads
# everything ("read") or sends `total` random bytes and closes ("send"), fast (as much as
# there is, 64 KiB sendalls) or slowly (a segment at a time, pausing between); then it prints
# the count and digest of what it read or sent.
NATIVE_PEER = r"""
import hashlib, os, socket, sys, time
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
server.settimeout(60)
print(server.getsockname()[1], flush=True)
for job in sys.argv[1:]:
    kind, speed, total = job.split(":")
    slow, total = speed == "slow", int(total)
    conn, _ = server.accept()
    conn.settimeout(60)
    digest, count = hashlib.sha256(), 0
    if kind == "read":
        while True:
            data = conn.recv(1460 if slow else 1 << 16)
            if not data:
                break
            digest.update(data)
            count += len(data)
            if slow:
                time.sleep(0.0005)
    else:
        while count < total:
            data = os.urandom(min(1000 if slow else 1 << 16, total - count))
            conn.sendall(data)
            digest.update(data)
            count += len(data)
            if slow:
                time.sleep(0.0005)
    conn.close()
    print(count, digest.hexdigest(), flush=True)
"""


def camera_module(profile, link):
    import mpsock

    mpsock.use_profile(profile)
    mpsock.use_system_resolver(False)
    conditions = {"latency_ms": 0.0, "jitter_ms": 0.0, "bandwidth_bps": 0.0, "loss": 0.0, "seed": 1}
    conditions.update(LINKS[link])
    mpsock._mpsock.set_conditions(**conditions)
    return mpsock._mpsock.lwip


def run_blocking(s, work):
    """Runs `work` on a thread; if it has not finished after TRANSFER_TIMEOUT, closes `s` to end
    the blocked call. Returns what `work` returned, or raises what it raised."""
    outcome = {}

    def body():
        try:
            outcome["value"] = work()
        except Exception as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(TRANSFER_TIMEOUT)
    if thread.is_alive():
        s.close()
        thread.join(TRANSFER_TIMEOUT)
        pytest.fail(
            "a blocking call stopped for good (its socket was closed after %.0f s)" % TRANSFER_TIMEOUT
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def peer_report(peer):
    count, digest = peer.stdout.readline().split()
    return int(count), digest


def upload(module, port):
    """The camera uploads `total` bytes with a blocking sendall per 12,000-byte chunk, to a peer
    job that reads; returns the count and digest of what it sent."""
    s = module.socket()
    s.connect(("127.0.0.1", port))

    def send(total):
        digest, sent, index = hashlib.sha256(), 0, 0
        chunk = bytearray(os.urandom(UPLOAD_CHUNK))
        while sent < total:
            chunk[:8] = index.to_bytes(8, "little")  # a chunk lost or sent twice changes the digest
            piece = chunk[: min(UPLOAD_CHUNK, total - sent)]
            s.sendall(piece)
            digest.update(piece)
            sent += len(piece)
            index += 1
        s.close()
        return sent, digest.hexdigest()

    return lambda total: run_blocking(s, lambda: send(total))


def download(module, port, stream_read):
    """The camera reads with blocking calls (recv, or the stream read) until the end of the
    stream; returns the count and digest of what it read."""
    s = module.socket()
    s.connect(("127.0.0.1", port))

    def receive():
        digest, seen = hashlib.sha256(), 0
        while True:
            data = s.read(UPLOAD_CHUNK) if stream_read else s.recv(4096)
            if not data:
                break
            digest.update(data)
            seen += len(data)
        s.close()
        return seen, digest.hexdigest()

    return run_blocking(s, receive)


def check_blocking_transfers(profile, link, fast_bytes, slow_bytes, rounds=1):
    """Uploads and downloads to a fast and to a slow peer, `rounds` times: every byte arrives,
    once, in order."""
    module = camera_module(profile, link)
    sizes = {"fast": fast_bytes, "slow": slow_bytes}
    jobs = [(kind, speed) for _ in range(rounds) for speed in ("fast", "slow") for kind in ("read", "send")]
    peer = subprocess.Popen(
        [sys.executable, "-c", NATIVE_PEER]
        + ["%s:%s:%d" % (kind, speed, sizes[speed]) for kind, speed in jobs],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(peer.stdout.readline())
        for kind, speed in jobs:
            total = sizes[speed]
            if kind == "read":  # the peer reads: the camera uploads
                count, digest = upload(module, port)(total)
                peer_count, peer_digest = peer_report(peer)
                what = "upload to a %s reader: %d sent, %d received" % (speed, count, peer_count)
            else:  # the peer sends: the camera downloads, the stream read from the slow one
                count, digest = download(module, port, stream_read=speed == "slow")
                peer_count, peer_digest = peer_report(peer)
                what = "download from a %s sender: %d sent, %d read" % (speed, peer_count, count)
            assert count == total and peer_count == total, what
            assert digest == peer_digest, what + ", other bytes than were sent"
        peer.wait(TIMEOUT)
    finally:
        peer.kill()
        peer.wait()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("link", list(LINKS))
@pytest.mark.parametrize("profile", CAMERA_PROFILES)
def test_blocking_transfers_arrive_intact_under_camera_profiles(profile, link):
    check_blocking_transfers(profile, link, fast_bytes=4 << 20, slow_bytes=192 << 10)


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("link", list(LINKS))
@pytest.mark.parametrize("profile", CAMERA_PROFILES)
def test_blocking_transfers_soak_under_camera_profiles(profile, link):
    check_blocking_transfers(profile, link, fast_bytes=32 << 20, slow_bytes=4 << 20, rounds=5)
