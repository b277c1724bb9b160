"""A thread blocked in recv does not hold up the other threads: the main thread's sockets go
on working while it waits (reference §4: the firmware's wait loops let other threads run;
several threads may block on different sockets at once)."""

NEEDS = ("threads",)


def dut(ctl):
    import _thread
    import socket
    import time

    received = []
    s = socket.socket()
    s.connect(ctl.peer)

    def reader():
        received.append(s.recv(16))

    _thread.start_new_thread(reader, ())
    time.sleep(0.2)  # the reader is blocked in recv by now
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    u.sendto(b"ping", ctl.peer)
    print("main thread", u.recv(16), "while the reader waits", received == [])
    ctl.send("release")
    for _ in range(150):
        if received:
            break
        time.sleep(0.02)
    print("reader", received)
    u.close()
    s.close()


def host(peer):
    conn = peer.accept()
    _, address = peer.udp.recvfrom(16)
    peer.udp.sendto(b"pong", address)
    peer.wait("release")
    conn.sendall(b"released")


EXPECTED = """
main thread b'pong' while the reader waits True
reader [b'released']
"""
