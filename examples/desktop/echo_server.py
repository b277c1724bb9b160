"""The desktop side of examples/echo_client.py, in plain CPython: a TCP and UDP echo server.

    python3 examples/desktop/echo_server.py [--bind 127.0.0.1] [--port 8765] [--clients 1]

It echoes every UDP datagram, and each TCP connection until the client closes it; it ends
after `--clients` TCP clients (or after 60 s without one). Under mpsock, 127.0.0.1 is the
LAN; for a real camera, bind to 0.0.0.0 and give the camera this machine's address.
"""

import argparse
import socket
import threading

IDLE_TIMEOUT = 60.0


def serve_udp(sock):
    while True:
        try:
            data, sender = sock.recvfrom(65536)
            sock.sendto(data, sender)
        except OSError:
            return


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.bind, args.port))
    threading.Thread(target=serve_udp, args=(udp,), daemon=True).start()

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.bind, args.port))
    server.listen(1)
    server.settimeout(IDLE_TIMEOUT)
    print("echo server on %s:%d (TCP and UDP)" % (args.bind, args.port), flush=True)
    for _ in range(args.clients):
        try:
            conn, peer = server.accept()
        except socket.timeout:
            print("no client within %.0f s" % IDLE_TIMEOUT)
            break
        conn.settimeout(IDLE_TIMEOUT)
        echoed = 0
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
                echoed += len(data)
        print("echoed %d bytes to %s" % (echoed, peer[0]), flush=True)
    server.close()
    udp.close()


if __name__ == "__main__":
    main()
