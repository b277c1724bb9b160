"""The desktop side of examples/echo_client.py, in plain CPython: a TCP and UDP echo server.

    python3 examples/desktop/echo_server.py [--bind 127.0.0.1] [--port 8765] [--clients 1]

It echoes every UDP datagram, and each TCP connection until the client closes it; it ends
after `--clients` TCP clients (or after 60 s without anything to do). Under mpsock, 127.0.0.1
is the LAN; for a real camera, bind to 0.0.0.0 and give the camera this machine's address.
"""

import argparse
import selectors
import socket

IDLE_TIMEOUT = 60.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.bind, args.port))
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.bind, args.port))
    server.listen(1)
    print("echo server on %s:%d (TCP and UDP)" % (args.bind, args.port), flush=True)

    # One thread: a select loop over the listener, the UDP socket and the connections.
    events = selectors.DefaultSelector()
    events.register(server, selectors.EVENT_READ)
    events.register(udp, selectors.EVENT_READ)
    echoed = {}
    served = 0
    while served < args.clients:
        ready = events.select(IDLE_TIMEOUT)
        if not ready:
            print("nothing to do for %.0f s" % IDLE_TIMEOUT)
            break
        for key, _ in ready:
            sock = key.fileobj
            if sock is server:
                conn, peer = server.accept()
                echoed[conn] = (peer, 0)
                events.register(conn, selectors.EVENT_READ)
            elif sock is udp:
                data, sender = udp.recvfrom(65536)
                udp.sendto(data, sender)
            else:
                data = sock.recv(65536)
                peer, count = echoed[sock]
                if data:
                    sock.sendall(data)
                    echoed[sock] = (peer, count + len(data))
                    continue
                events.unregister(sock)
                sock.close()
                del echoed[sock]
                served += 1
                print("echoed %d bytes to %s" % (count, peer[0]), flush=True)
    for sock in list(echoed) + [server, udp]:
        sock.close()
    events.close()


if __name__ == "__main__":
    main()
