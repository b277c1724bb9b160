"""The TLS socket is a stream with read, readinto, readline and write, plus recv, recv_into,
send, sendall, setblocking, close, getpeercert and cipher; it has no settimeout (the wrapped
socket's timeout applies) and getpeercert(False) is NotImplementedError (design: modtls_mbedtls.c
ssl_socket_locals_dict_table)."""

NEEDS = ("tls",)


def dut(ctl):
    import socket

    import ssl

    s = socket.socket()
    s.connect(ctl.peer)
    t = ssl.wrap_socket(s, server_hostname="surface.example", do_handshake=False)
    for name in (
        "read",
        "readinto",
        "readline",
        "write",
        "recv",
        "recv_into",
        "send",
        "sendall",
        "setblocking",
        "close",
        "getpeercert",
        "cipher",
        "settimeout",
        "do_handshake",
        "fileno",
    ):
        print(name, hasattr(t, name))
    try:
        t.getpeercert(False)
    except NotImplementedError:
        print("getpeercert(False) NotImplementedError")
    t.close()


def host(peer):
    peer.accept()


EXPECTED = """
read True
readinto True
readline True
write True
recv True
recv_into True
send True
sendall True
setblocking True
close True
getpeercert True
cipher True
settimeout False
do_handshake False
fileno False
getpeercert(False) NotImplementedError
"""
