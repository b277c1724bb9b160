"""A board has no loopback interface: sendto 127.0.0.1, to its own UDP socket, raises
OSError(EHOSTUNREACH) (ERR_RTE; measured on real lwIP with the RT1062's options)
(reference §13)."""

NEEDS = ("not loopback",)


def dut(ctl):
    import socket

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(ctl.bind_addr)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sender.sendto(b"to myself", ctl.address("127.0.0.1", ctl.own_port))
        print("sent")
    except OSError as e:
        print("sendto", e.args[0])
    sender.close()
    receiver.close()


EXPECTED = """
sendto 113
"""
