"""What this process holds: open descriptors and resident memory, for the soak tests' limits
(Linux /proc)."""

import os
import time

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def descriptors_settle_at(expected, within=2.0):
    """The descriptor count once closes finishing in the background are done (a lingering
    close may keep its descriptor a moment)."""
    deadline = time.monotonic() + within
    while True:
        count = open_descriptors()
        if count <= expected or time.monotonic() >= deadline:
            return count
        time.sleep(0.01)


def raise_descriptor_limit(needed):
    """Lifts the soft limit on open descriptors toward the hard one; the limit reached."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft
