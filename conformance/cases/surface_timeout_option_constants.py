"""Where the socket module has SO_SNDTIMEO and SO_RCVTIMEO (boards whose WiFi module runs its
own sockets, and the emulator's desktop profile; not lwIP), they have MicroPython's numbers
0x1005 and 0x1006 (reference §1; extmod/modnetwork.h)."""

NEEDS = ("timeout_options",)


def dut(ctl):
    import socket

    print("SO_SNDTIMEO", getattr(socket, "SO_SNDTIMEO", None))
    print("SO_RCVTIMEO", getattr(socket, "SO_RCVTIMEO", None))


EXPECTED = """
SO_SNDTIMEO 4101
SO_RCVTIMEO 4102
"""
