"""What the native peers (peer.py, tls_peer.py) serve alike: listeners on 127.0.0.1, the bulk
services' size header, receiving and sending a bulk transfer, and the `PORTS` line after which a
peer serves until the benchmark closes its standard input.

The functions take any object with the socket calls they use, so a TLS connection serves the
same way as a plain one.
"""

import socket
import sys

BULK_PIECE = 1 << 20  # what a peer writes per call and reads per call in a bulk transfer


def listener(backlog):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(backlog)
    return server


def read_header(conn):
    """The size of a bulk transfer, from its header line `SIZE\\n`; None if the client went."""
    line = b""
    while not line.endswith(b"\n"):
        piece = conn.recv(1)
        if not piece:
            return None
        line += piece
    return int(line)


def receive_bulk(conn, size):
    """Reads `size` bytes; False if the client went first."""
    buffer = bytearray(BULK_PIECE)
    left = size
    while left > 0:
        got = conn.recv_into(buffer, min(left, BULK_PIECE))
        if not got:
            return False
        left -= got
    return True


def send_bulk(conn, size):
    """Sends `size` zero bytes."""
    piece = memoryview(bytes(BULK_PIECE))
    left = size
    while left > 0:
        n = min(left, BULK_PIECE)
        conn.sendall(piece[:n])
        left -= n


def serve_until_stdin_closes(services):
    """Tells the benchmark the ports, {name: port}, then serves until it closes our standard input
    (the services run in daemon threads started before)."""
    print("PORTS " + " ".join("%s=%d" % item for item in sorted(services.items())), flush=True)
    sys.stdin.read()
