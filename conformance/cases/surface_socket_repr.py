"""A socket prints as <socket state=N timeout=T incoming=...> (reference §1, modlwip
lwip_socket_print)."""


def dut(ctl):
    import socket

    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        text = repr(s)
        print(
            text.startswith("<socket state="), " timeout=" in text, " incoming=" in text, text.endswith(">")
        )
        s.close()


EXPECTED = """
True True True True
True True True True
"""
