"""connect again while a non-blocking connect is still in progress raises OSError(EALREADY)
(reference §5 connect: "connect in progress → EALREADY")."""


def dut(ctl):
    import socket

    port = int(ctl.wait("port"))
    address = ctl.address(ctl.host_ip, port)
    s = socket.socket()
    s.setblocking(False)
    for attempt in (1, 2):
        try:
            s.connect(address)
            print(attempt, "connected")
        except OSError as e:
            print(attempt, e.args[0])
    s.close()


def host(peer):
    peer.send("port", peer.unanswering_port())  # the SYN goes unanswered: still in progress


EXPECTED = """
1 115
2 114
"""
