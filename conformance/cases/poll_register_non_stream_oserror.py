"""Registering an object that is not a stream raises OSError ("stream operation not
supported") (reference §1 select module; modselect via mp_get_stream_raise)."""


def dut(ctl):
    import select

    poller = select.poll()
    for thing in (123, "text"):
        try:
            poller.register(thing)
            print(repr(thing), "registered")
        except OSError:
            print(repr(thing), "OSError")


EXPECTED = """
123 OSError
'text' OSError
"""
