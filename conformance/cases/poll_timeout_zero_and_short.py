"""poll(0) returns at once and poll(ms) after about ms milliseconds, both with an empty list
when nothing is ready (reference §1 poll(timeout_ms))."""


def dut(ctl):
    import select
    import socket
    import time

    s = socket.socket()
    s.bind(ctl.bind_addr)
    s.listen(1)
    poller = select.poll()
    poller.register(s, select.POLLIN)
    started = time.ticks_ms()
    print("poll(0)", poller.poll(0), time.ticks_diff(time.ticks_ms(), started) < 250)
    started = time.ticks_ms()
    result = poller.poll(300)
    waited = time.ticks_diff(time.ticks_ms(), started)
    print("poll(300)", result, 200 <= waited < 3000)
    s.close()


EXPECTED = """
poll(0) [] True
poll(300) [] True
"""
