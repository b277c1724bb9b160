# A TLS server that serves several clients from one select.poll loop: non-blocking sockets,
# handshakes deferred to the first read, one line in and its echo out per client.
#
# Arguments: PORT CERTFILE KEYFILE CLIENTS
import select
import socket
import ssl
import sys

PORT = int(sys.argv[1])
CLIENTS = int(sys.argv[4])

context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(socket.getaddrinfo("0.0.0.0", PORT)[0][-1])
listener.listen(CLIENTS)
poller = select.poll()
poller.register(listener, select.POLLIN)
print("listening", PORT)

lines = {}
served = 0
while served < CLIENTS:
    for obj, events in poller.ipoll(10000):
        if obj is listener:
            conn, addr = listener.accept()
            conn.setblocking(False)
            tls = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            lines[tls] = b""
            poller.register(tls, select.POLLIN)
            continue
        if events & (select.POLLHUP | select.POLLERR):
            poller.unregister(obj)
            obj.close()
            served += 1
            continue
        try:
            chunk = obj.read(256)
        except OSError as e:
            print("client failed", e.args)
            poller.unregister(obj)
            obj.close()
            served += 1
            continue
        if chunk is None:
            continue  # the handshake went on, or half a record came
        lines[obj] += chunk
        if lines[obj].endswith(b"\n"):
            obj.setblocking(True)
            obj.write(b"echo " + lines[obj])
            print("served", lines[obj].decode().strip(), obj.cipher()[0])
            poller.unregister(obj)
            obj.close()
            served += 1
print("done", served)
