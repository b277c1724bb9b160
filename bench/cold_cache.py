"""One operation at a time with the caches flushed in between, for cachegrind: how much code and
data an operation touches when it starts cold, as it does on a CPU it shares with the peer.

    python3 bench/cold_cache.py SIDE KIND PORT COUNT [flush-only]

SIDE is `emulator` (the installed mpsock, or the extension in $MPSOCK_EXTENSION) or `native`;
KIND is `connect` (socket, connect, close; PORT is the peer's accept port), `udp` (sendto and
recvfrom of 32 bytes; PORT is its udp port) or `tcp` (send of 32 bytes and recv of the echo;
PORT is its echo port). Each of COUNT operations follows a read of 3 MiB,
more than the simulated last-level cache below. With `flush-only` the operations are left out,
so the difference between the two runs' misses, divided by COUNT, is the operation's:

    PY=$(python3 -c 'import sys; print(sys.executable)')
    valgrind --tool=cachegrind --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 \\
        --LL=2097152,16,64 --cachegrind-out-file=cold.op $PY bench/cold_cache.py emulator connect PORT 300
    (the same with `flush-only` into cold.flush, then the `summary:` lines of both files:
     ILmr is code lines missed, DLmr + DLmw data lines)
"""

import importlib.util
import os
import sys

FLUSH_BYTES = 3 << 20
WARM_UP = 50
MESSAGE = b"x" * 32


def socket_module(side):
    if side == "native":
        import socket

        return socket
    path = os.environ.get("MPSOCK_EXTENSION")
    if path:
        spec = importlib.util.spec_from_file_location("mpsock._mpsock", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["mpsock._mpsock"] = module
        spec.loader.exec_module(module)
    import mpsock

    mpsock.use_profile("desktop")
    return mpsock.socket


def operation(socket, kind, port):
    address = ("127.0.0.1", port)
    if kind == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

        def round_trip():
            s.sendto(MESSAGE, address)
            s.recvfrom(64)

        return round_trip

    if kind == "tcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(address)

        def exchange():
            s.send(MESSAGE)
            got = 0
            while got < len(MESSAGE):
                piece = s.recv(64)
                if not piece:
                    raise OSError("the peer closed the connection")
                got += len(piece)

        return exchange

    def connect_and_close():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(address)
        s.close()

    return connect_and_close


def main():
    side, kind, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    flush_only = sys.argv[5:] == ["flush-only"]
    run = operation(socket_module(side), kind, port)
    for _ in range(WARM_UP):
        run()
    # Read, not written: a copy's misses depend on how its two buffers line up, which the
    # operations' own allocations move, and would swamp the operation's few hundred.
    scratch = bytes(FLUSH_BYTES)
    for _ in range(count):
        scratch.find(b"\x01")
        if not flush_only:
            run()


main()
