"""setsockopt takes exactly three arguments: two or four are a TypeError (reference §7)."""


def dut(ctl):
    import socket

    s = socket.socket()
    for args in ((socket.SOL_SOCKET, socket.SO_REUSEADDR), (socket.SOL_SOCKET, socket.SO_REUSEADDR, 1, 0)):
        try:
            s.setsockopt(*args)
            print(len(args), "arguments accepted")
        except TypeError:
            print(len(args), "arguments TypeError")
    s.close()


EXPECTED = """
2 arguments TypeError
4 arguments TypeError
"""
