"""The lwIP socket module has no SO_SNDTIMEO and SO_RCVTIMEO: the names are missing, and their
numbers are an unknown option to setsockopt (the warning, no timeout). Boards whose WiFi module
runs its own sockets have them (reference §1, §7)."""

NEEDS = ("not timeout_options",)


def dut(ctl):
    import socket

    print("SO_SNDTIMEO", getattr(socket, "SO_SNDTIMEO", None))
    print("SO_RCVTIMEO", getattr(socket, "SO_RCVTIMEO", None))
    s = socket.socket()
    s.connect(ctl.peer)
    print("result", s.setsockopt(socket.SOL_SOCKET, 0x1006, 200))
    s.settimeout(0)  # the option did nothing: the socket was blocking until now
    try:
        s.recv(10)
    except OSError as e:
        print("recv", e.args[0])
    s.close()


def host(peer):
    peer.accept()


EXPECTED = """
SO_SNDTIMEO None
SO_RCVTIMEO None
Warning: lwip.setsockopt() not implemented
result None
recv 11
"""
