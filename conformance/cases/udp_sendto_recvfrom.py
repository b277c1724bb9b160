"""A UDP socket sends with sendto to any address and receives one datagram per recvfrom,
with the sender's (ip, port) (reference §6)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("sendto", u.sendto(b"ping", ctl.peer))
    data, address = u.recvfrom(64)
    print("recvfrom", data, address[0] == ctl.host_ip, address[1] == ctl.peer_port)
    u.close()


def host(peer):
    data, address = peer.udp.recvfrom(64)
    peer.udp.sendto(data.replace(b"i", b"o"), address)


EXPECTED = """
sendto 4
recvfrom b'pong' True True
"""
