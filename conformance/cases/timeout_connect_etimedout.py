"""connect with a timeout to a host that does not answer the SYN raises OSError(ETIMEDOUT)
(reference §5 connect: "Timeout → ETIMEDOUT")."""


def dut(ctl):
    import socket

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect(ctl.address(ctl.host_ip, port))
        print("connected")
    except OSError as e:
        print("connect", e.args[0])
    s.close()


def host(peer):
    peer.send("port", peer.unanswering_port())


EXPECTED = """
connect 110
"""
