"""A TLS socket's reads use the wrapped socket's timeout; after a read times out
(OSError(ETIMEDOUT)) the TLS socket keeps that error and the next call raises it at once
(design: socket_read's last_error)."""

NEEDS = ("tls",)


def dut(ctl):
    import socket
    import time

    import ssl

    s = socket.socket()
    s.settimeout(0.5)
    s.connect(ctl.peer)
    t = ssl.wrap_socket(s, server_hostname="quiet.example")
    for _ in range(2):
        started = time.ticks_ms()
        try:
            t.read(1)
        except OSError as e:
            waited = time.ticks_diff(time.ticks_ms(), started)
            print("OSError", e.args[0], "waited", "long" if waited >= 400 else "no")
    t.close()
    ctl.send("done")


def host(peer):
    from mpsock.conformance import tls_peer

    tls = tls_peer.serve(peer.accept(), tls_peer.material().server)
    assert not isinstance(tls, Exception), tls
    peer.wait("done")


EXPECTED = """
OSError 110 waited long
OSError 110 waited no
"""
