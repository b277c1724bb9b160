"""Native CPython peers on loopback for the tests, shared by the test modules (a module of
its own: another test folder's conftest may shadow this one's on import). Every peer call has
a timeout."""

import socket as native
import threading

PEER_TIMEOUT = 5.0


class NativeServer:
    """A CPython TCP server on 127.0.0.1 that runs `handler(conn)` for each connection."""

    def __init__(self, handler, backlog=8):
        self.sock = native.socket()
        self.sock.setsockopt(native.SOL_SOCKET, native.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(backlog)
        self.sock.settimeout(PEER_TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.address = ("127.0.0.1", self.port)
        self.handler = handler
        self.errors = []
        self.connections = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            while True:
                conn, _ = self.sock.accept()
                conn.settimeout(PEER_TIMEOUT)
                self.connections.append(conn)
                try:
                    self.handler(conn)
                except Exception as error:  # recorded for the test to see
                    self.errors.append(error)
        except OSError:
            return

    def close(self):
        # shutdown() wakes the serving thread out of a blocked accept or recv; close() alone
        # does not.
        for sock in [self.sock] + self.connections:
            try:
                sock.shutdown(native.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.thread.join(PEER_TIMEOUT)


def echo(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


def free_port():
    with native.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
