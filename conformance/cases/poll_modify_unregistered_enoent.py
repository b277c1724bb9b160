"""modify() of an object that is not registered raises OSError(ENOENT); unregister() of one
raises nothing (reference §1 poll object methods)."""


def dut(ctl):
    import select
    import socket

    s = socket.socket()
    poller = select.poll()
    try:
        poller.modify(s, select.POLLIN)
        print("modified")
    except OSError as e:
        print("modify", e.args[0])
    print("unregister", poller.unregister(s))
    s.close()


EXPECTED = """
modify 2
unregister None
"""
