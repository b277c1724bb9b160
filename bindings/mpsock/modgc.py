"""The gc module a camera script sees. collect() is when sockets the script dropped without
close() are closed (as the camera's garbage collector runs their finaliser); mem_free() and
mem_alloc() are the profile's heap less an estimate of what the script holds."""

import gc as _host_gc
import sys
import types

from . import _mpsock

BLOCK = 16  # bytes per block of MicroPython's GC heap on a 32-bit board (MICROPY_BYTES_PER_GC_BLOCK)


class Heap:
    """The board's heap as the script sees it: its size, and what the script allocated since it
    started, estimated from CPython's live object blocks (one GC block each). With CPython's
    small-object allocator off (PYTHONMALLOC=malloc) there is nothing to count: mem_alloc() stays
    0."""

    def __init__(self, size):
        self.size = size
        self.start = sys.getallocatedblocks()
        self.threshold = -1
        self.enabled = True

    def allocated(self):
        blocks = sys.getallocatedblocks()
        if blocks < self.start:
            # The process freed more than the script has allocated since the run began (the
            # run's own set-up letting go of things): what the script holds is counted from here,
            # never below nothing, so what it allocates next still shows.
            self.start = blocks
        return min(self.size, (blocks - self.start) * BLOCK)

    def free(self):
        return self.size - self.allocated()


def make_module(board):
    heap = Heap(board.profile["heap_size"])
    module = types.ModuleType("gc")

    def collect():
        _host_gc.collect()  # frees what only reference cycles hold, sockets among them
        _mpsock.collect_dropped()

    def threshold(amount=None):
        if amount is None:
            return heap.threshold
        heap.threshold = amount
        return None

    def enable():
        heap.enabled = True

    def disable():
        heap.enabled = False

    module.collect = collect
    module.mem_free = heap.free
    module.mem_alloc = heap.allocated
    module.threshold = threshold
    module.enable = enable
    module.disable = disable
    module.isenabled = lambda: heap.enabled
    return module
