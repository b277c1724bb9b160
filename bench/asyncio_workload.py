"""The asyncio workload: the same script runs under `mpsock-micropython` (the emulator's asyncio,
MicroPython's, on its sockets and poll) and under plain `python3` (CPython's asyncio on native
sockets), against the native peer of bench/peer.py. It uses only the stream API both have.

    python3 bench/asyncio_workload.py SCALE echo=N sink=N source=N ... [only=NAME,...]

Prints one `RESULT name value` line per figure, as workload.py does.
"""

import asyncio
import sys
import time

MESSAGE = b"0123456789abcdef0123456789abcdef"  # 32 bytes
SEGMENT = 65536  # bytes per write/read call in the bulk transfers

SCALES = {
    # name: (round trips, bulk bytes)
    "full": (5000, 128 << 20),
    "quick": (1500, 32 << 20),
}
REPEATS = 3  # bulk figures are the median of this many transfers

now_s = time.perf_counter


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def result(name, value):
    print("RESULT %s %s" % (name, repr(float(value))))


async def round_trip(ports, count):
    reader, writer = await asyncio.open_connection("127.0.0.1", ports["echo"])
    for _ in range(count // 10):  # warm up
        writer.write(MESSAGE)
        await writer.drain()
        await reader.readexactly(len(MESSAGE))
    samples = []
    for _ in range(count):
        start = now_s()
        writer.write(MESSAGE)
        await writer.drain()
        await reader.readexactly(len(MESSAGE))
        samples.append(now_s() - start)
    writer.close()
    await writer.wait_closed()
    result("asyncio_rtt_us", median(samples) * 1e6)


async def bulk_send_once(ports, total):
    reader, writer = await asyncio.open_connection("127.0.0.1", ports["sink"])
    writer.write(str(total).encode() + b"\n")
    chunk = bytes(SEGMENT)
    start = now_s()
    left = total
    while left > 0:
        n = min(left, SEGMENT)
        writer.write(chunk if n == SEGMENT else chunk[:n])
        await writer.drain()
        left -= n
    await reader.readexactly(1)  # the sink has it all
    elapsed = now_s() - start
    writer.close()
    await writer.wait_closed()
    return total / elapsed / 1e6


async def bulk_receive_once(ports, total):
    reader, writer = await asyncio.open_connection("127.0.0.1", ports["source"])
    writer.write(str(total).encode() + b"\n")
    await writer.drain()
    start = now_s()
    left = total
    while left > 0:
        piece = await reader.read(SEGMENT)
        if not piece:
            raise OSError("peer closed")
        left -= len(piece)
    elapsed = now_s() - start
    writer.close()
    await writer.wait_closed()
    return total / elapsed / 1e6


async def bulk_send(ports, total):
    result("asyncio_bulk_send_mb_s", median([await bulk_send_once(ports, total) for _ in range(REPEATS)]))


async def bulk_receive(ports, total):
    result("asyncio_bulk_recv_mb_s", median([await bulk_receive_once(ports, total) for _ in range(REPEATS)]))


async def main():
    scale = sys.argv[1]
    ports = {}
    only = None
    for item in sys.argv[2:]:
        name, value = item.split("=")
        if name == "only":
            only = value.split(",")
        else:
            ports[name] = int(value)
    round_trips, bulk_bytes = SCALES[scale]
    for part, args in (
        (round_trip, (ports, round_trips)),
        (bulk_send, (ports, bulk_bytes)),
        (bulk_receive, (ports, bulk_bytes)),
    ):
        if only is None or part.__name__ in only:
            await part(*args)


asyncio.run(main())
