# The capability probe, run on the target before any case (MicroPython-subset code, read as
# text by the harness and called as probe(ctl) after dut_prelude.py). It reports what a case
# may depend on and must not test: the interpreter, optional modules, IPv6, and, for an
# emulator, the board profile it stands for.


def probe(ctl):
    import socket
    import sys

    def fact(name, value):
        ctl.send("fact", name + " " + repr(value))

    fact("implementation", sys.implementation.name)
    fact("machine", getattr(sys.implementation, "_machine", ""))
    fact("platform", sys.platform)

    try:
        import select

        fact("select_select", hasattr(select, "select"))
    except ImportError:
        fact("select_select", False)

    try:
        import _thread  # noqa: F401 - only whether it imports

        fact("threads", True)
    except ImportError:
        fact("threads", False)

    try:
        import asyncio  # noqa: F401 - only whether it imports

        fact("asyncio", True)
    except ImportError:
        fact("asyncio", False)
    # TLS: the built-in tls module, with the ssl wrapper over it.
    try:
        import ssl  # noqa: F401 - only whether it imports
        import tls

        fact("tls", hasattr(tls, "SSLContext"))
    except ImportError:
        fact("tls", False)

    # IPv6 is a build option (LWIP_IPV6): without it an IPv6 string does not parse.
    ipv6 = False
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            try:
                s.bind(("::1", 0))
            except TypeError:  # an interpreter that takes only sockaddr objects
                s.bind(socket.getaddrinfo("::1", 0)[0][-1])
            ipv6 = True
        finally:
            s.close()
    except Exception:  # noqa: BLE001, S110 - any failure means no IPv6
        pass
    fact("ipv6", ipv6)

    # An emulator says which board profile it stands for; a board says it in _machine.
    try:
        import mpsock

        profile = mpsock.current_profile()
        for key in ("name", "strict_surface", "tcp_mss", "tcp_wnd", "tcp_snd_buf", "tcp_pcbs", "udp_queue"):
            fact("profile_" + key, profile[key])
        fact("profile_listen_backlog", profile["listen_backlog"])
        fact("profile_mem_size", profile["mem_size"])
        fact("profile_tcp_listen_pcbs", profile["tcp_listen_pcbs"])
        if profile["udp_pcbs"]:  # 0: no limit
            fact("profile_udp_sockets", profile["udp_pcbs"] - profile["udp_pcbs_for_system"])
    except ImportError:
        pass

    # The host learns the DUT's address from where this datagram comes from.
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"probe", ctl.peer)
    u.close()
    ctl.wait("seen")
