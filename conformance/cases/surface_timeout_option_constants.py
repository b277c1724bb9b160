"""SO_SNDTIMEO and SO_RCVTIMEO exist with MicroPython's numbers 0x1005 and 0x1006 (spec §1,
[doc] rows; extmod/modnetwork.h)."""


def dut(ctl):
    import socket

    print("SO_SNDTIMEO", getattr(socket, "SO_SNDTIMEO", None))
    print("SO_RCVTIMEO", getattr(socket, "SO_RCVTIMEO", None))


EXPECTED = """
SO_SNDTIMEO 4101
SO_RCVTIMEO 4102
"""
