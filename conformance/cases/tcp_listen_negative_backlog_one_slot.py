"""listen() with a negative backlog takes it as 0, which still queues one connection; a
second waiting connection is refused (reference §5 listen: "negative backlog becomes 0",
"backlog ≤ 1 → one slot")."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ctl.bind_addr)
    s.listen(-5)
    ctl.send("listening")
    ctl.wait("connected")
    s.setblocking(False)
    accepted = []
    while True:
        try:
            accepted.append(s.accept()[0])
        except OSError as e:
            print("accepted", len(accepted), "then", e.args[0])
            break
    for conn in accepted:
        conn.close()
    s.close()


def host(peer):
    import time

    peer.wait("listening")
    for _ in range(2):
        try:
            peer.connect(timeout=1.0)
        except OSError:
            pass  # refused or unanswered: either way not queued
        time.sleep(0.1)
    peer.send("connected")


EXPECTED = """
accepted 1 then 11
"""
