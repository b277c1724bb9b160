# A TCP server for several clients at once from one loop with select.poll: how a camera serves
# a small control protocol without threads. Each line a client sends gets a reply:
#     echo TEXT  -> TEXT
#     uptime     -> milliseconds since the server started
#     quit       -> "bye", and the server closes that client
#
#   mpsock run examples/poll_server.py 7000
#
# Arguments: [PORT [CLIENTS]]: stop after CLIENTS clients have come and gone (0 = never).
# The camera has five TCP sockets in all (MEMP_NUM_TCP_PCB), so it serves at most four
# clients at once. The listen backlog counts connections still in their handshake too: with
# listen(2), a third client connecting at the same moment has its SYN dropped and retries a
# second later, so the server asks for four.
import select
import socket
import sys
import time

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 7000
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 0
EAGAIN = 11
START = time.ticks_ms()


def reply_to(line):
    """The reply to one request line, and whether the client is done."""
    if line.startswith(b"echo "):
        return line[5:], False
    if line == b"uptime":
        return str(time.ticks_diff(time.ticks_ms(), START)).encode(), False
    if line == b"quit":
        return b"bye", True
    return b"error unknown command", False


class Server:
    def __init__(self, port):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("0.0.0.0", port))
        self.listener.listen(4)
        self.listener.setblocking(False)
        self.poller = select.poll()
        self.poller.register(self.listener, select.POLLIN)
        self.pending = {}  # client socket -> bytes received that do not end a line yet
        self.served = 0
        self.requests = 0

    def accept(self):
        try:
            conn, addr = self.listener.accept()
        except OSError as e:
            if e.args[0] == EAGAIN:
                return
            raise
        conn.setblocking(False)
        self.poller.register(conn, select.POLLIN)
        self.pending[conn] = b""
        print("client %s connected (%d open)" % (addr[0], len(self.pending)))

    def drop(self, conn, why):
        self.poller.unregister(conn)
        del self.pending[conn]
        conn.close()
        self.served += 1
        print("client left: %s (%d open)" % (why, len(self.pending)))

    def serve(self, conn):
        try:
            data = conn.recv(512)
        except OSError as e:
            if e.args[0] == EAGAIN:
                return
            self.drop(conn, "errno %d" % e.args[0])
            return
        if not data:
            self.drop(conn, "closed")
            return
        buffered = self.pending[conn] + data
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            reply, done = reply_to(line.strip())
            self.requests += 1
            try:
                # Replies are short: they fit the send buffer, so sendall does not hit EAGAIN.
                conn.sendall(reply + b"\n")
            except OSError as e:
                self.drop(conn, "errno %d" % e.args[0])
                return
            if done:
                self.drop(conn, "quit")
                return
        self.pending[conn] = buffered

    def run(self, clients):
        print("listening on port %d" % PORT)
        while clients == 0 or self.served < clients:
            for obj, events in self.poller.poll(1000):
                if obj is self.listener:
                    self.accept()
                elif obj in self.pending:
                    self.serve(obj)
        self.listener.close()
        print("served %d clients, %d requests" % (self.served, self.requests))


Server(PORT).run(CLIENTS)
