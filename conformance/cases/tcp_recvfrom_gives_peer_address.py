"""recvfrom on a TCP socket returns (data, (peer_ip, peer_port)) (reference §5 recvfrom)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.connect(ctl.peer)
    ctl.wait("sent")
    data, address = s.recvfrom(16)
    print(data, address[0] == ctl.host_ip, address[1] == ctl.peer_port)
    s.close()


def host(peer):
    conn = peer.accept()
    conn.sendall(b"tcp data")
    peer.send("sent")


EXPECTED = """
b'tcp data' True True
"""
