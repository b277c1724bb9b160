"""close() of a connection whose peer has not taken all the data lingers, holding its PCB,
and aborts the connection (RST) when the firmware's close timeout of 10 s runs out (reference §5
close: "if the close does not complete within 10 s the connection is aborted"; §9 close
timeout; modlwip _lwip_tcp_close_poll)."""

NEEDS = ("tcp_pcbs <= 64", "tcp_snd_buf <= 262144")
TIMEOUT = 45.0


def dut(ctl):
    import socket
    import time

    port = int(ctl.wait("port"))
    s = socket.socket()
    s.connect(ctl.address(ctl.host_ip, port))
    print("filled", ctl.fill(s) > 0)
    others = [socket.socket() for _ in range(ctl.facts["tcp_pcbs"] - 1)]
    s.close()
    closed_at = time.ticks_ms()
    # The closing connection keeps its PCB, so with the others open there is none left.
    try:
        socket.socket().close()
        print("held while closing", False)
    except OSError as e:
        print("held while closing", e.args[0])
    freed_after = -1
    while time.ticks_diff(time.ticks_ms(), closed_at) < 20000:
        try:
            socket.socket().close()
            freed_after = time.ticks_diff(time.ticks_ms(), closed_at)
            break
        except OSError:
            time.sleep_ms(100)
    print("freed at the close timeout", 9000 <= freed_after <= 12500)
    for other in others:
        other.close()
    ctl.send("aborted")


def host(peer):
    listener, port = peer.listen(receive_buffer=2048)
    peer.send("port", port)
    conn = peer.accept(listener=listener)  # not read from until the DUT has seen the abort
    peer.wait("aborted", timeout=30.0)
    try:
        while conn.recv(65536):
            pass
        ended = "EOF"
    except ConnectionResetError:
        ended = "reset"
    assert ended == "reset", f"the peer saw {ended}, not the abort's RST"


EXPECTED = """
filled True
held while closing 12
freed at the close timeout True
"""
