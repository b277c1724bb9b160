"""The native peer of the end-to-end benchmarks: one CPython process with native sockets that
serves every workload, so the emulator and native runs talk to the same other end.

    python3 bench/peer.py

Prints one line, `PORTS echo=N sink=N source=N accept=N udp=N hold=N`, then serves on
127.0.0.1 until its standard input closes. Services:

- echo:   TCP, sends back what it receives (round trips; the active socket of the poll test)
- sink:   TCP, reads a header line `SIZE\\n`, then SIZE bytes, then answers b"k" (bulk send)
- source: TCP, reads a header line `SIZE\\n`, then sends SIZE bytes (bulk receive)
- accept: TCP, accepts and closes at once (connect rate)
- udp:    UDP, sends each datagram back to its sender (UDP round trips)
- hold:   TCP, accepts and keeps the connection silent until the client closes it (the idle
          sockets of the poll test, the blocked receive)
"""

import selectors
import socket
import threading

from serving import listener, read_header, receive_bulk, send_bulk, serve_until_stdin_closes

LISTEN_BACKLOG = 4096


def serve_echo(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


def serve_sink(conn):
    size = read_header(conn)
    if size is None or not receive_bulk(conn, size):
        return
    conn.sendall(b"k")
    conn.recv(1)  # until the client closes


def serve_source(conn):
    size = read_header(conn)
    if size is None:
        return
    send_bulk(conn, size)
    conn.recv(1)  # until the client closes


def per_connection(server, handler):
    """A thread per connection: a blocked recv wakes with no event loop in between."""
    while True:
        conn, _ = server.accept()

        def run(conn=conn):
            with conn:
                try:
                    handler(conn)
                except OSError:
                    pass

        threading.Thread(target=run, daemon=True).start()


def serve_accept(server):
    while True:
        conn, _ = server.accept()
        conn.close()


def serve_hold(server):
    """Held connections wait in one selector until their client closes them."""
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is server:
                conn, _ = server.accept()
                selector.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            if not data:
                selector.unregister(conn)
                conn.close()


def serve_udp(sock):
    while True:
        data, sender = sock.recvfrom(65536)
        sock.sendto(data, sender)


def main():
    services = {}
    threads = []
    for name, handler in (("echo", serve_echo), ("sink", serve_sink), ("source", serve_source)):
        server = listener(LISTEN_BACKLOG)
        services[name] = server.getsockname()[1]
        threads.append(threading.Thread(target=per_connection, args=(server, handler), daemon=True))
    for name, loop in (("accept", serve_accept), ("hold", serve_hold)):
        server = listener(LISTEN_BACKLOG)
        services[name] = server.getsockname()[1]
        threads.append(threading.Thread(target=loop, args=(server,), daemon=True))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    services["udp"] = udp.getsockname()[1]
    threads.append(threading.Thread(target=serve_udp, args=(udp,), daemon=True))

    for thread in threads:
        thread.start()
    serve_until_stdin_closes(services)


if __name__ == "__main__":
    main()
