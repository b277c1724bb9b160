"""Option 20 sets a callback that is called, with the socket, when the socket has an event
such as an arriving datagram (reference §7: the undocumented upstream callback option)."""


def dut(ctl):
    import socket
    import time

    calls = []
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("set", u.setsockopt(socket.SOL_SOCKET, 20, calls.append))
    u.sendto(b"hello", ctl.peer)
    ctl.wait("sent")
    for _ in range(50):  # the callback is scheduled; it runs while the script waits
        if calls:
            break
        time.sleep(0.02)
    print("called", len(calls) > 0, "with the socket", len(calls) > 0 and calls[0] is u)
    print("data", u.recv(16))
    u.setsockopt(socket.SOL_SOCKET, 20, None)
    u.close()


def host(peer):
    _, address = peer.udp.recvfrom(64)
    peer.udp.sendto(b"event", address)
    peer.send("sent")


EXPECTED = """
set None
called True with the socket True
data b'event'
"""
