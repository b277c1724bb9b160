"""setsockopt dispatches on the option alone: SO_REUSEADDR and SO_BROADCAST work with any
level, silently (reference §7: "The firmware dispatches on opt alone"; §1 SOL_SOCKET row)."""


def dut(ctl):
    import socket

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("SO_REUSEADDR at level 999", u.setsockopt(999, socket.SO_REUSEADDR, 1))
    print("SO_BROADCAST at IPPROTO_TCP", u.setsockopt(6, socket.SO_BROADCAST, 1))  # 6: every release
    u.close()


EXPECTED = """
SO_REUSEADDR at level 999 None
SO_BROADCAST at IPPROTO_TCP None
"""
