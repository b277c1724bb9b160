"""The lwIP limits of each OpenMV board, as the firmware behaviour reference lists them
(docs/firmware-behaviour.md §9 "Limits by board"). The cases expect these numbers; a target's
own claims about its limits are not trusted for that (an emulator profile with a wrong number
must fail). One limit depends on the MicroPython release (the UDP queue, 1 before v1.26)."""

# The release the expected output assumes when the target does not say (the current OpenMV
# firmware's, 5.0.0, built on MicroPython v1.28.0).
CURRENT_RELEASE = "1.28.0"

BOARDS = {
    "openmv-rt1062": {
        "machine_marks": ("RT1062", "MIMXRT106"),
        "tcp_mss": 800,
        "tcp_wnd": 6400,
        "tcp_snd_buf": 6400,
        "tcp_pcbs": 5,
        "udp_queue": 4,
        "listen_backlog": 2,
        "udp_sockets": 3,
        "tcp_listen_pcbs": 8,
        "mem_size": 8000,
    },
    "openmv-ae3": {
        "machine_marks": ("AE3", "AE302"),
        "tcp_mss": 1460,
        "tcp_wnd": 11680,
        "tcp_snd_buf": 11680,
        "tcp_pcbs": 5,
        "udp_queue": 4,
        "listen_backlog": 2,
        "udp_sockets": 3,
        "tcp_listen_pcbs": 8,
        "mem_size": 16384,
    },
    "openmv-n6": {
        "machine_marks": ("OpenMV N6", "STM32N6"),
        "tcp_mss": 1460,
        "tcp_wnd": 23360,
        "tcp_snd_buf": 23360,
        "tcp_pcbs": 5,
        "udp_queue": 4,
        "listen_backlog": 2,
        "udp_sockets": 3,
        "tcp_listen_pcbs": 8,
        "mem_size": 65536,
    },
}

# udp_sockets: the UDP sockets a script can open, MEMP_NUM_UDP_PCB (4 + 1 for the mDNS
# responder) less the two the firmware holds itself (mDNS and the DHCP client).
# tcp_listen_pcbs: MEMP_NUM_TCP_PCB_LISTEN, the listening sockets (lwIP default 8).
# mem_size: MEM_SIZE, the lwIP heap a UDP datagram's pbuf comes from.
LIMIT_FACTS = (
    "tcp_mss",
    "tcp_wnd",
    "tcp_snd_buf",
    "tcp_pcbs",
    "udp_queue",
    "listen_backlog",
    "udp_sockets",
    "tcp_listen_pcbs",
    "mem_size",
)


def board_for_machine(machine):
    """The board whose name appears in `sys.implementation._machine`, or None."""
    for name, board in BOARDS.items():
        if any(mark in machine for mark in board["machine_marks"]):
            return name
    return None


def release_tuple(text):
    """ "1.24.0" (or "1.24", "v1.24") as (1, 24, 0); ValueError for anything else."""
    parts = str(text).lstrip("vV").split(".")
    if len(parts) not in (2, 3) or not all(part.isdigit() for part in parts):
        raise ValueError("not a MicroPython release: %r (e.g. 1.24)" % (text,))
    numbers = tuple(int(part) for part in parts)
    return numbers + (0,) * (3 - len(numbers))


def board_limits(name, release=None):
    """The board's limits under MicroPython `release` (default: the current one)."""
    board = BOARDS[name]
    limits = {fact: board[fact] for fact in LIMIT_FACTS}
    if release_tuple(release or CURRENT_RELEASE) < (1, 26, 0):
        limits["udp_queue"] = 1  # one datagram held before the UDP queue of v1.26
    return limits
