"""Socket errors are plain OSError with the errno in args[0]: no socket.timeout, no
BlockingIOError, no ConnectionResetError (reference, errno paragraph)."""


def dut(ctl):
    import socket

    s = socket.socket()
    s.bind(ctl.bind_addr)
    s.listen(1)
    for timeout in (0, 0.1):
        s.settimeout(timeout)
        try:
            s.accept()
        except OSError as e:
            print("timeout", timeout, type(e) is OSError, e.args[0])
    c = socket.socket()
    try:
        c.connect(ctl.refusing)
    except OSError as e:
        print("refused", type(e) is OSError, e.args[0])
    c.close()
    s.close()


EXPECTED = """
timeout 0 True 11
timeout 0.1 True 110
refused True 104
"""
