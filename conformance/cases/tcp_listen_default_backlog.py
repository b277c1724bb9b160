"""listen() without a backlog queues 2 connections: a third that arrives before any accept is
refused, so accept finds exactly 2 (reference §5 listen, §9 default listen backlog 2)."""

NEEDS = ("dut_ip", "listen_backlog <= 16")
TIMEOUT = 30


def dut(ctl):
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ctl.bind_addr)
    s.listen()
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
    for _ in range(peer.facts["listen_backlog"] + 1):
        try:
            peer.connect(timeout=1.0)
        except OSError:
            pass  # refused or unanswered: either way not queued
        time.sleep(0.1)
    peer.send("connected")


EXPECTED = """
accepted ${listen_backlog} then 11
"""
