"""accept() returns (socket, (ip, port)) and recvfrom() (data, (ip, port)): 2-tuples with the
IP as a string (reference §3, returned addresses; lwip_format_inet_addr)."""

NEEDS = ("dut_ip",)


def dut(ctl):
    import socket

    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ctl.bind_addr)
    s.listen(1)
    ctl.send("listening")
    conn, address = s.accept()
    print("accept", type(address) is tuple, len(address), address[0] == ctl.host_ip, type(address[1]) is int)
    conn.close()
    s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"ping", ctl.peer)
    data, address = u.recvfrom(16)
    print(
        "recvfrom",
        data,
        type(address) is tuple,
        len(address),
        address[0] == ctl.host_ip,
        type(address[1]) is int,
    )
    u.close()


def host(peer):
    peer.wait("listening")
    peer.connect()
    _, address = peer.udp.recvfrom(16)
    peer.udp.sendto(b"pong", address)


EXPECTED = """
accept True 2 True True
recvfrom b'pong' True 2 True True
"""
