"""listen, accept and connect on a closed socket raise OSError(EBADF) (reference §5 listen,
accept, connect: "closed → EBADF")."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.close()
    for call in ("listen", "accept", "connect"):
        try:
            if call == "listen":
                s.listen(1)
            elif call == "accept":
                s.accept()
            else:
                s.connect(ctl.peer)
            print(call, "worked")
        except OSError as e:
            print(call, e.args[0])


EXPECTED = """
listen 9
accept 9
connect 9
"""
