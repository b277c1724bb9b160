"""The lwIP limits of each OpenMV board, as the firmware behaviour reference lists them (§9
"Limits by board"). The cases expect these numbers; a target's own claims about its limits
are not trusted for that (an emulator profile with a wrong number must fail)."""

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


def board_limits(name):
    board = BOARDS[name]
    return {fact: board[fact] for fact in LIMIT_FACTS}
