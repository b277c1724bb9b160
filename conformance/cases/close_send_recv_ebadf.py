"""send and recv on a closed socket raise OSError(EBADF) (reference §5 close: "Any operation on a
closed socket → EBADF"; checked against the real code)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    s.close()
    for call in ("send", "recv"):
        try:
            if call == "send":
                s.send(b"x")
            else:
                s.recv(10)
            print(call, "worked")
        except OSError as e:
            print(call, e.args[0])


def host(peer):
    peer.accept()


EXPECTED = """
send 9
recv 9
"""
