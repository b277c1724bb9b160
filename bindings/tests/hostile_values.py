"""Hypothesis strategies for hostile arguments to the emulator's socket and poll objects: wrong
types, huge and negative numbers, bad address tuples. Every address that parses at all is a
loopback one and every valid port is one the tests own, so nothing leaves this host and no one
else's test server is touched."""

import math

from hypothesis import strategies as st
from kernel_sockets import host_addresses, host_addresses6

# Around 2**31 is the camera's machine word; past it, and past 2**63, OverflowError.
INTEGER_EDGES = [
    0,
    1,
    -1,
    2,
    255,
    256,
    65535,
    65536,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**32 + 1,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**30,
    -(10**30),
]
integers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from(INTEGER_EDGES))

floats = st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e-9, 1e300]))

# Host strings: loopback in the forms ipaddr_aton takes, and text that is no numeric address
# (a host name, a mistyped address). Random text that could parse is kept out, as it could name
# another host.
LOOPBACK_HOSTS = ["127.0.0.1", "127.1", "0x7f.0.0.1", "2130706433", "", "0.0.0.0", "::1", "::"]
BAD_HOSTS = [
    "localhost",
    "no.such.host.example",
    "999.1.1.1",
    "1.2.3.4.5",
    "256.0.0.1",
    "::g",
    "1:2",
    "127.0.0.1\x00",
    "fe80::1%99999999999",
    " 127.0.0.1",
    "\u0661.\u0662.\u0663.\u0664",
]
unparsable_text = st.text(max_size=30).filter(lambda t: t and not t[0].isdigit() and ":" not in t)
hosts = st.one_of(
    st.sampled_from(LOOPBACK_HOSTS),
    st.sampled_from(BAD_HOSTS),
    unparsable_text,
    st.sampled_from([b"127.0.0.1", bytearray(b"127.0.0.1"), None, 127, 1.5, ("127.0.0.1",)]),
)


def ports(owned):
    """Ports: ones the tests own (valid), out of range, and not ints at all."""
    return st.one_of(
        st.sampled_from(owned),
        st.integers(max_value=-1),
        st.integers(min_value=65536),
        st.sampled_from([None, "80", 80.0, b"80", True, [80]]),
    )


def addresses(owned_ports):
    """Address arguments: (host, port), lists, IPv6 4-tuples, wrong lengths, no sequence."""
    host, port = hosts, ports(owned_ports)
    return st.one_of(
        st.tuples(host, port),
        st.lists(st.one_of(host, port), max_size=5),
        st.tuples(host, port, integers, integers),
        st.tuples(host),
        st.tuples(host, port, port),
        st.sampled_from([None, "127.0.0.1:80", 80, (), {"host": "127.0.0.1"}, object()]),
    )


HOST_ADDRESSES = host_addresses()


def _not_a_host_interface(data):
    # An 8-byte membership request naming one of this host's real interfaces would send an
    # IGMP report out of it.
    raw = data.encode() if isinstance(data, str) else bytes(data)
    return len(raw) != 8 or ".".join(str(b) for b in raw[4:]) not in HOST_ADDRESSES


buffers = st.one_of(
    st.binary(max_size=300),
    st.binary(min_size=60_000, max_size=70_000),
    st.builds(bytearray, st.binary(max_size=64)),
    st.builds(memoryview, st.binary(max_size=64)),
    st.text(max_size=64),
).filter(_not_a_host_interface)

# Anything else a script could pass.
others = st.sampled_from(
    [
        None,
        True,
        False,
        object(),
        object,
        Ellipsis,
        1j,
        [],
        {},
        set(),
        frozenset(),
        (lambda *args: None),
        print,
        type("Custom", (), {})(),
    ]
)

scalars = st.one_of(integers, floats, buffers, others)


# Addresses a script may bind, in every form: the wildcard spelled every way ipaddr_aton and
# inet_pton take it (white space ends an IPv4 address, a zone names an interface), this host's
# own addresses (IPv4, IPv4-mapped, IPv6, link-local with its zone), anyone's, multicast and
# broadcast, loopback. Binding sends nothing anywhere; where each lands is checked with the
# kernel's view.
WILDCARD_FORMS = [
    "",
    "0",
    "00",
    "0x0",
    "0X00",
    "0.0",
    "0.0.0",
    "000.000.000.000",
    "0x0.0.0.0",
    "0.0.0.0 x",
    "0.0.0.0\t",
    "::",
    "::0",
    "0::",
    "0:0::0",
    "::%1",
    "::0%2",
    "::ffff:0.0.0.0",
    "::ffff:0:0",
    "0:0:0:0:0:ffff:0:0",
    "::FFFF:0.0.0.0",
    "::ffff:0.0.0.0%1",
]
OWN_FORMS = (
    host_addresses()
    + ["::ffff:" + address for address in host_addresses()]
    + [address for address, _ in host_addresses6()]
    + ["%s%%%d" % (address, index) for address, index in host_addresses6()]
)
bind_hosts = st.one_of(
    st.sampled_from(WILDCARD_FORMS),
    st.sampled_from(OWN_FORMS or ["::"]),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
    st.ip_addresses(v=4).map(lambda a: "::ffff:%s" % a),
    st.tuples(st.ip_addresses(v=6), st.integers(0, 70)).map(lambda p: "%s%%%d" % p),
    st.sampled_from(
        [
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "ff02::1",
            "ff05::fb%1",
            "::ffff:224.0.0.251",
            "127.0.0.1",
            "127.255.255.254",
            "::1",
            "::ffff:127.0.0.2",
        ]
    ),
)
