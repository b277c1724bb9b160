"""socket() takes 0 to 4 positional arguments and no keywords; with none it is a TCP socket
(reference §2)."""


def dut(ctl):
    import socket

    try:
        socket.socket(type=socket.SOCK_DGRAM)
        print("keyword accepted")
    except TypeError:
        print("keyword TypeError")
    for args in (
        (),
        (socket.AF_INET,),
        (socket.AF_INET, socket.SOCK_DGRAM),
        (socket.AF_INET, socket.SOCK_DGRAM, 0),
    ):
        s = socket.socket(*args)
        print(len(args), "arguments: created")
        s.close()


EXPECTED = """
keyword TypeError
0 arguments: created
1 arguments: created
2 arguments: created
3 arguments: created
"""
