"""The select module has poll() and the poll flags POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP
0x10 (reference §1, select module)."""


def dut(ctl):
    import select

    print("poll", hasattr(select, "poll"))
    for name in ("POLLIN", "POLLOUT", "POLLERR", "POLLHUP"):
        print(name, getattr(select, name, None))


EXPECTED = """
poll True
POLLIN 1
POLLOUT 4
POLLERR 8
POLLHUP 16
"""
