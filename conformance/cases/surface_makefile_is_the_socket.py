"""makefile() returns the socket itself, whatever the mode (reference §10, makefile row; checked
against the real code in §9)."""


def dut(ctl):
    import socket

    s = socket.socket()
    print("makefile() is s", s.makefile() is s)
    print("makefile('rwb', 0) is s", s.makefile("rwb", 0) is s)
    s.close()


EXPECTED = """
makefile() is s True
makefile('rwb', 0) is s True
"""
