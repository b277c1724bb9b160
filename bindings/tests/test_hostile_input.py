"""Hostile arguments at every method of the socket and poll objects, with hypothesis: wrong
types, huge and negative sizes, out-of-range ports, bad address tuples, bad flags. The only
outcomes allowed are a return or the exceptions docs/firmware-behaviour.md gives (TypeError,
ValueError, OverflowError, NotImplementedError, a plain OSError with a firmware errno); never a
crash or a hang; and where the reference says an argument is wrong, an exception rather than
silent success.

MPSOCK_HYPOTHESIS_EXAMPLES sets the examples per test (default 100)."""

import math
import os
import signal
import socket as native
import subprocess
import sys
import threading
import time
import warnings

import hostile_values as hostile
import mpsock
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kernel_sockets import reaches_only_loopback
from mpsock import signals as mpsock_signals

EXAMPLES = int(os.environ.get("MPSOCK_HYPOTHESIS_EXAMPLES", "100"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FIRMWARE_ERRNOS = {2, 9, 11, 12, 13, 22, 95, 98, 103, 104, 105, 106, 107, 110, 113, 114, 115}
NOT_A_STREAM = "stream operation not supported"
HANG_SECONDS = 5.0

SOCKET_METHODS = [
    "close",
    "bind",
    "listen",
    "accept",
    "connect",
    "send",
    "recv",
    "sendto",
    "recvfrom",
    "sendall",
    "settimeout",
    "setblocking",
    "setsockopt",
    "makefile",
    "read",
    "readinto",
    "readline",
    "write",
]
POLL_METHODS = ["register", "unregister", "modify", "poll", "ipoll"]
SOCKET_KINDS = ["tcp", "udp", "udp bound", "listening", "connected", "closed"]


# ---- Never a hang: a call still blocked after HANG_SECONDS is interrupted and fails ----


class Hang(BaseException):
    """A call blocked for good (BaseException, so no `except Exception` swallows it)."""


_armed = threading.Event()


def _on_watchdog(signum, frame):
    if _armed.is_set():
        raise Hang("still blocked after %.0f s" % HANG_SECONDS)


@pytest.fixture(scope="module", autouse=True)
def watchdog_signal():
    # Blocked emulator calls notice signals through mpsock's wake-up descriptor.
    mpsock_signals.install()
    previous = signal.signal(signal.SIGUSR1, _on_watchdog)
    yield
    signal.signal(signal.SIGUSR1, previous)


def guarded(call):
    """Runs `call` with the watchdog armed."""
    timer = threading.Timer(HANG_SECONDS, os.kill, (os.getpid(), signal.SIGUSR1))
    _armed.set()
    timer.start()
    try:
        return call()
    finally:
        _armed.clear()
        timer.cancel()


def outcome(call):
    """A hostile call's outcome: its value, or the allowed exception it raised. Anything else
    fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # getaddrinfo's RuntimeWarning
        try:
            return guarded(call)
        except OSError as error:
            assert type(error) is OSError, repr(error)
            if error.errno is None:
                assert str(error) == NOT_A_STREAM, repr(error)
            else:
                assert error.args[0] == error.errno, repr(error)
                assert error.errno in FIRMWARE_ERRNOS or error.errno < 0, repr(error)
            return error
        except (TypeError, ValueError, OverflowError, NotImplementedError) as error:
            return error


# ---- Peers the tests own: every valid port a hostile address names is one of these ----


class Sinks:
    def __init__(self):
        self.tcp = native.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(128)
        self.udp = native.socket(native.AF_INET, native.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        with native.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            self.closed_port = closed.getsockname()[1]
        self.ports = [self.tcp.getsockname()[1], self.udp.getsockname()[1], self.closed_port]
        self.thread = threading.Thread(target=self._accept_and_drop, daemon=True)
        self.thread.start()

    def _accept_and_drop(self):
        try:
            while True:
                conn, _ = self.tcp.accept()
                conn.close()
        except OSError:
            return

    def close(self):
        self.tcp.shutdown(native.SHUT_RDWR)
        self.tcp.close()
        self.udp.close()
        self.thread.join(5)


@pytest.fixture(scope="module")
def sinks():
    owned = Sinks()
    yield owned
    owned.close()


def make_socket(module, kind, sinks):
    if kind == "tcp" or kind in ("listening", "connected", "closed"):
        s = module.socket()
    else:
        s = module.socket(module.AF_INET, module.SOCK_DGRAM)
    if kind == "udp bound":
        s.bind(("127.0.0.1", 0))
    elif kind == "listening":
        s.bind(("127.0.0.1", 0))
        s.listen(2)
    elif kind == "connected":
        s.settimeout(5)
        s.connect(("127.0.0.1", sinks.ports[0]))
    elif kind == "closed":
        s.close()
    s.settimeout(0)  # non-blocking: a hostile call must not wait on a peer
    return s


def assert_no_pcbs_left():
    """Every socket is closed: no pcb may stay counted (a leak would end in ENOMEM on the
    camera), once lingering closes are done."""
    deadline = time.monotonic() + 2
    while any(mpsock.pcbs_in_use().values()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert mpsock.pcbs_in_use() == {"tcp": 0, "tcp_listen": 0, "udp": 0}


def arguments(data, sinks, size):
    value = st.one_of(hostile.scalars, hostile.addresses(sinks.ports))
    return data.draw(st.lists(value, max_size=size), label="arguments")


# ---- Any arguments, any method: only the allowed outcomes ----


@PROPERTY
@given(data=st.data())
def test_any_arguments_to_any_socket_method(emu, sinks, data):
    # Everything is drawn before a socket exists: hypothesis may end an example in a draw.
    kind = data.draw(st.sampled_from(SOCKET_KINDS), label="kind")
    method = data.draw(st.sampled_from(SOCKET_METHODS), label="method")
    args = arguments(data, sinks, 4)
    s = make_socket(emu, kind, sinks)
    try:
        outcome(lambda: getattr(s, method)(*args))
    finally:
        s.close()
    assert_no_pcbs_left()


@PROPERTY
@given(data=st.data())
def test_sequences_of_hostile_calls_on_one_socket(desktop, sinks, data):
    s = make_socket(desktop, data.draw(st.sampled_from(SOCKET_KINDS), label="kind"), sinks)
    methods = SOCKET_METHODS + ["getsockname", "getpeername", "gettimeout", "__enter__", "__repr__"]
    try:
        for _ in range(data.draw(st.integers(1, 6), label="calls")):
            method = data.draw(st.sampled_from(methods), label="method")
            outcome(lambda: getattr(s, method)(*arguments(data, sinks, 3)))
            s.settimeout(0)  # a hostile settimeout or SO_RCVTIMEO must not make the next call wait
    finally:
        s.close()
    assert_no_pcbs_left()


@PROPERTY
@given(
    host=hostile.bind_hosts, kind=st.sampled_from(["tcp", "udp"]), family=st.sampled_from(["inet", "inet6"])
)
def test_no_address_a_script_binds_reaches_beyond_loopback(desktop, host, kind, family):
    # Without --expose. The bind may be refused (a family mismatch, a zone that is no
    # interface); whatever binds, the kernel must show it on loopback only.
    s = desktop.socket(
        desktop.AF_INET6 if family == "inet6" else desktop.AF_INET,
        desktop.SOCK_STREAM if kind == "tcp" else desktop.SOCK_DGRAM,
    )
    try:
        bound = outcome(lambda: s.bind((host, 0)))
        if isinstance(bound, BaseException):
            return
        if kind == "tcp":
            outcome(lambda: s.listen(1))
        port = s.getsockname()[1]
        assert reaches_only_loopback(port) == set(), (host, s.getsockname())
    finally:
        s.close()
    assert_no_pcbs_left()


def pollables(ready, others):
    # Host descriptors only where they cannot be anyone's: polling a real one (0, 1, 2, pytest's
    # capture files) would change its flags under the test run (see test_poll_host_descriptors).
    return st.one_of(
        st.sampled_from([ready] + others + [10**6, -1, 2**31, 2**63, -(2**70)]),
        hostile.others,
        hostile.floats,
        st.text(max_size=5),
    )


@PROPERTY
@given(data=st.data())
def test_any_arguments_to_any_poll_method(emu, sinks, data):
    select = mpsock._mpsock.select
    ready = make_socket(emu, "udp bound", sinks)  # always writable: no poll waits for long
    others = [make_socket(emu, kind, sinks) for kind in ("tcp", "closed")]
    poller = select.poll()
    poller.register(ready, select.POLLOUT)
    try:
        for _ in range(data.draw(st.integers(1, 4), label="calls")):
            method = data.draw(st.sampled_from(POLL_METHODS), label="method")
            if method in ("register", "unregister", "modify"):
                args = [data.draw(pollables(ready, others), label="object")]
                args += data.draw(
                    st.lists(st.one_of(hostile.integers, hostile.scalars), max_size=2), label="mask"
                )
            else:
                args = data.draw(
                    st.lists(st.one_of(hostile.integers, hostile.scalars), max_size=3), label="arguments"
                )
            result = outcome(lambda: getattr(poller, method)(*args))
            if method == "ipoll" and not isinstance(result, BaseException):
                outcome(lambda: list(result))
            poller.register(ready, select.POLLOUT)
    finally:
        for s in [ready] + others:
            s.close()
    assert_no_pcbs_left()


@PROPERTY
@given(data=st.data())
def test_any_arguments_to_select(emu, sinks, data):
    select = mpsock._mpsock.select
    ready = make_socket(emu, "udp bound", sinks)
    others = [make_socket(emu, kind, sinks) for kind in ("tcp", "udp bound", "closed")]
    try:
        select_with_hostile_arguments(select, data, ready, others)
    finally:
        for s in [ready] + others:
            s.close()
    assert_no_pcbs_left()


def select_with_hostile_arguments(select, data, ready, others):
    one_list = st.one_of(st.lists(pollables(ready, others), max_size=3), hostile.others, hostile.integers)
    rlist, wlist, xlist = (data.draw(one_list, label=name) for name in ("rlist", "wlist", "xlist"))
    args = [rlist, wlist, xlist]
    if data.draw(st.booleans(), label="with timeout"):
        timeouts = st.one_of(hostile.floats, hostile.integers, st.none(), st.booleans(), hostile.others)
        args.append(data.draw(timeouts, label="timeout"))
    if isinstance(wlist, list):
        wlist.append(ready)  # something is always ready: a long timeout must not mean a long wait
    elif len(args) == 3 or not isinstance(args[3], (int, float)) or args[3] is None or args[3] > 0.05:
        args[3:] = [0]
    outcome(lambda: select.select(*args))


@PROPERTY
@given(args=st.lists(st.one_of(hostile.integers, hostile.scalars), max_size=5))
def test_any_arguments_to_the_socket_constructor(emu, args):
    made = outcome(lambda: emu.socket(*args))
    if not isinstance(made, BaseException):
        made.close()


@PROPERTY
@given(
    host=st.one_of(hostile.hosts, hostile.scalars),
    rest=st.lists(st.one_of(hostile.integers, hostile.scalars), max_size=5),
)
def test_any_arguments_to_getaddrinfo(emu, host, rest):
    outcome(lambda: emu.getaddrinfo(host, *rest))  # the fixture turned the system resolver off


# ---- Wrong arguments are refused, not silently taken ----


def raises(expected, call):
    result = outcome(call)
    assert isinstance(result, expected), "expected %s, got %r" % (expected, result)
    return result


not_ints = st.one_of(hostile.floats, hostile.buffers, hostile.others.filter(lambda v: not isinstance(v, int)))
not_buffers = st.one_of(hostile.integers, hostile.floats, hostile.others)


@PROPERTY
@given(kind=st.sampled_from(SOCKET_KINDS), size=not_ints, method=st.sampled_from(["recv", "recvfrom"]))
def test_sizes_that_are_not_ints_are_type_errors(emu, sinks, kind, size, method):
    s = make_socket(emu, kind, sinks)
    try:
        raises(TypeError, lambda: getattr(s, method)(size))
    finally:
        s.close()


@PROPERTY
@given(
    kind=st.sampled_from(SOCKET_KINDS),
    size=st.integers(max_value=-1),
    method=st.sampled_from(["recv", "recvfrom"]),
)
def test_negative_sizes_are_refused(emu, sinks, kind, size, method):
    s = make_socket(emu, kind, sinks)
    try:
        raises((ValueError, OverflowError), lambda: getattr(s, method)(size))
    finally:
        s.close()


@PROPERTY
@given(kind=st.sampled_from(SOCKET_KINDS), size=st.integers(min_value=2**31))
def test_sizes_beyond_the_camera_word_are_overflow_errors(emu, sinks, kind, size):
    s = make_socket(emu, kind, sinks)
    try:
        raises(OverflowError, lambda: s.recv(size))
    finally:
        s.close()


@PROPERTY
@given(
    data=st.data(),
    kind=st.sampled_from(["tcp", "udp", "udp bound"]),
    method=st.sampled_from(["connect", "bind", "sendto"]),
)
def test_out_of_range_ports_are_refused(emu, sinks, data, kind, method):
    host = data.draw(st.sampled_from(hostile.LOOPBACK_HOSTS[:6]), label="host")
    port = data.draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=65536)), label="port")
    s = make_socket(emu, kind, sinks)
    call = (
        (lambda: s.sendto(b"x", (host, port)))
        if method == "sendto"
        else (lambda: getattr(s, method)((host, port)))
    )
    try:
        raises((ValueError, OverflowError), call)
    finally:
        s.close()


@PROPERTY
@given(
    data=st.data(),
    kind=st.sampled_from(["tcp", "udp"]),
    method=st.sampled_from(["connect", "bind", "sendto"]),
)
def test_host_names_and_bad_addresses_are_value_errors(emu, sinks, data, kind, method):
    host = data.draw(st.one_of(st.sampled_from(hostile.BAD_HOSTS), hostile.unparsable_text), label="host")
    s = make_socket(emu, kind, sinks)
    address = (host, sinks.ports[2])
    call = (lambda: s.sendto(b"x", address)) if method == "sendto" else (lambda: getattr(s, method)(address))
    try:
        raises(ValueError, call)
    finally:
        s.close()


BAD_SHAPES = [
    None,
    "127.0.0.1:80",
    80,
    (),
    ("127.0.0.1",),
    ("127.0.0.1", 80, 0),
    ("127.0.0.1", 80, 0, 0),
    {"host": "127.0.0.1"},
    object(),
    (80, 80),
    ("127.0.0.1", "80"),
    ("127.0.0.1", 80.0),
    ("127.0.0.1", None),
]


@pytest.mark.parametrize("address", BAD_SHAPES, ids=repr)
@pytest.mark.parametrize("method", ["connect", "bind", "sendto"])
def test_addresses_of_the_wrong_shape_are_refused(emu, sinks, address, method):
    s = make_socket(emu, "udp", sinks)
    call = (lambda: s.sendto(b"x", address)) if method == "sendto" else (lambda: getattr(s, method)(address))
    try:
        raises((TypeError, ValueError), call)
    finally:
        s.close()


@PROPERTY
@given(kind=st.sampled_from(SOCKET_KINDS), flags=not_ints, method=st.sampled_from(["recv", "recvfrom"]))
def test_flags_that_are_not_ints_are_type_errors(emu, sinks, kind, flags, method):
    s = make_socket(emu, kind, sinks)
    try:
        raises(TypeError, lambda: getattr(s, method)(10, flags))
    finally:
        s.close()


@PROPERTY
@given(
    kind=st.sampled_from(SOCKET_KINDS),
    value=st.one_of(
        hostile.buffers, hostile.others.filter(lambda v: v is not None and not isinstance(v, (int, float)))
    ),
)
def test_timeouts_that_are_not_numbers_are_type_errors(emu, sinks, kind, value):
    s = make_socket(emu, kind, sinks)
    try:
        raises(TypeError, lambda: s.settimeout(value))
    finally:
        s.close()


@PROPERTY
@given(
    kind=st.sampled_from(SOCKET_KINDS),
    value=st.one_of(
        st.floats(max_value=-1e-9),
        st.integers(max_value=-1),
        st.sampled_from([math.nan, math.inf, -math.inf]),
    ),
)
def test_negative_and_non_finite_timeouts_are_value_errors(emu, sinks, kind, value):
    s = make_socket(emu, kind, sinks)
    try:
        raises((ValueError, OverflowError), lambda: s.settimeout(value))
    finally:
        s.close()


INT_OPTIONS = ["SO_REUSEADDR", "SO_BROADCAST", "TCP_NODELAY"]
TIMEOUT_OPTIONS = ["SO_RCVTIMEO", "SO_SNDTIMEO"]  # the desktop profile's only


@PROPERTY
@given(
    kind=st.sampled_from(["tcp", "udp"]),
    option=st.sampled_from(INT_OPTIONS),
    value=st.one_of(hostile.floats, hostile.others.filter(lambda v: not isinstance(v, int))),
)
def test_int_options_refuse_what_is_not_an_int(emu, sinks, kind, option, value):
    s = make_socket(emu, kind, sinks)
    try:
        raises(TypeError, lambda: s.setsockopt(emu.SOL_SOCKET, getattr(emu, option), value))
    finally:
        s.close()


@PROPERTY
@given(
    kind=st.sampled_from(["tcp", "udp"]),
    option=st.sampled_from(TIMEOUT_OPTIONS),
    value=st.one_of(hostile.floats, hostile.others.filter(lambda v: not isinstance(v, int))),
)
def test_timeout_options_refuse_what_is_not_an_int(desktop, sinks, kind, option, value):
    s = make_socket(desktop, kind, sinks)
    try:
        raises(TypeError, lambda: s.setsockopt(desktop.SOL_SOCKET, getattr(desktop, option), value))
    finally:
        s.close()


@PROPERTY
@given(
    option=st.sampled_from(["IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP"]),
    value=st.binary(max_size=20).filter(lambda b: len(b) != 8),
)
def test_membership_needs_exactly_eight_bytes(emu, sinks, option, value):
    s = make_socket(emu, "udp", sinks)
    try:
        raises(ValueError, lambda: s.setsockopt(emu.IPPROTO_IP, getattr(emu, option), value))
        raises(TypeError, lambda: s.setsockopt(emu.IPPROTO_IP, getattr(emu, option), 5.5))
    finally:
        s.close()


@PROPERTY
@given(
    kind=st.sampled_from(["tcp", "udp bound", "connected"]),
    data=not_buffers,
    method=st.sampled_from(["send", "sendall", "write", "sendto"]),
)
def test_data_that_is_not_a_buffer_is_a_type_error(emu, sinks, kind, data, method):
    s = make_socket(emu, kind, sinks)
    args = (data, ("127.0.0.1", sinks.ports[1])) if method == "sendto" else (data,)
    try:
        raises(TypeError, lambda: getattr(s, method)(*args))
    finally:
        s.close()


@PROPERTY
@given(args=st.lists(not_ints, min_size=1, max_size=3))
def test_socket_arguments_that_are_not_ints_are_type_errors(emu, args):
    raises(TypeError, lambda: emu.socket(*args))


@PROPERTY
@given(kind=st.integers(min_value=-(2**31), max_value=2**31 - 1).filter(lambda t: t not in (1, 2)))
def test_unknown_socket_types_are_einval(emu, kind):
    assert raises(OSError, lambda: emu.socket(emu.AF_INET, kind)).errno == 22


@pytest.mark.parametrize("profile", ["openmv-rt1062", "desktop"])
def test_subclasses_of_socket_make_sockets_through_init(profile):
    """socket(...) itself takes a path of its own to the core; a subclass's construction goes
    through socket.__init__. Each makes the socket it asks for, and a second __init__ of the
    same object changes nothing."""
    from mpsock.modules import socket_module

    mpsock.use_profile(profile)
    emu = socket_module()

    class Plain(emu.socket):
        pass

    class Datagram(emu.socket):
        def __init__(self):
            super().__init__(emu.AF_INET, emu.SOCK_DGRAM)

    def is_stream(s):
        s.bind(("127.0.0.1", 0))
        try:
            s.listen(1)
        except OSError:
            return False
        return True

    made = [Plain(), Datagram(), emu.socket(), emu.socket(emu.AF_INET, emu.SOCK_DGRAM)]
    try:
        assert [is_stream(s) for s in made] == [True, False, True, False]
    finally:
        for s in made:
            s.close()
    again = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    again.__init__(emu.AF_INET, emu.SOCK_STREAM)
    try:
        assert not is_stream(again)
    finally:
        again.close()


@pytest.mark.parametrize("module", ["lwip", "lwip_desktop"])
def test_a_socket_whose_init_never_ran_raises_instead_of_crashing(module):
    # In a process of its own: the crash this guards against would end the process.
    code = (
        "import gc, mpsock\nlw = getattr(mpsock._mpsock, %r)\n"
        "class Forgetful(lw.socket):\n    def __init__(self):\n        pass\n"
        "try:\n    Forgetful()\nexcept TypeError as e:\n    print('refused', e)\n"
        "gc.collect()\nblank = lw.socket.__new__(lw.socket)\n"
        "try:\n    blank.send(b'x')\nexcept TypeError as e:\n    print('refused', e)\n"
        "del blank\ngc.collect()\nprint('alive')\n" % module
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["refused", "refused", "alive"], lines


@PROPERTY
@given(
    thing=st.one_of(
        hostile.floats, hostile.others.filter(lambda v: not isinstance(v, int)), st.text(max_size=5)
    )
)
def test_registering_what_is_not_a_stream_is_refused(emu, thing):
    poller = mpsock._mpsock.select.poll()
    raises((OSError, TypeError), lambda: poller.register(thing))


def test_modify_of_an_unregistered_socket_is_enoent(emu, sinks):
    s = make_socket(emu, "udp", sinks)
    assert raises(OSError, lambda: mpsock._mpsock.select.poll().modify(s, 1)).errno == 2
    s.close()


@PROPERTY
@given(
    timeout=st.one_of(
        hostile.floats,
        hostile.buffers,
        hostile.others.filter(lambda v: v is not None and not isinstance(v, int)),
    )
)
def test_poll_timeouts_that_are_not_ints_are_type_errors(emu, timeout):
    raises(TypeError, lambda: mpsock._mpsock.select.poll().poll(timeout))


# ---- What these tests found once (each was a bug) ----

WIDE = 2**32 + 1


# The camera's mp_obj_get_int raises OverflowError past its 32-bit machine word; the bindings
# once cut such ints to 32 bits (socket(AF_INET, 2**32 + 1) made a TCP socket).
@pytest.mark.parametrize(
    "call",
    [
        "socket(AF_INET, WIDE)",
        "socket(WIDE)",
        "recv(10, WIDE)",
        "recvfrom(10, WIDE)",
        "setsockopt(SOL_SOCKET, WIDE + 3, 1)",
        "poll.register(s, WIDE)",
        "poll.modify(s, WIDE)",
        "poll.poll(WIDE)",
        "recv(WIDE)",
    ],
)
def test_ints_wider_than_the_camera_word_are_overflow_errors(emu, sinks, call):
    s = make_socket(emu, "udp bound", sinks)
    poller = mpsock._mpsock.select.poll()
    poller.register(s)
    scope = {
        "socket": emu.socket,
        "AF_INET": emu.AF_INET,
        "SOL_SOCKET": emu.SOL_SOCKET,
        "WIDE": WIDE,
        "s": s,
        "poll": poller,
        "recv": s.recv,
        "recvfrom": s.recvfrom,
        "setsockopt": s.setsockopt,
    }
    try:
        made = outcome(lambda: eval(call, scope))
        if hasattr(made, "close"):
            made.close()
        assert isinstance(made, OverflowError), "%s gave %r" % (call, made)
    finally:
        s.close()


# select.select's timeout once went through pybind11's cast<double>: RuntimeError for a str
# or a complex, undefined behaviour for a number too big.
@pytest.mark.parametrize(
    "timeout",
    ["1", b"1", 1j, [], object(), 2**2000],
    ids=["str", "bytes", "complex", "list", "object", "2**2000"],
)
def test_select_timeouts_that_are_not_numbers_are_type_errors(emu, sinks, timeout):
    s = make_socket(emu, "udp bound", sinks)
    try:
        raises((TypeError, OverflowError), lambda: mpsock._mpsock.select.select([], [s], [], timeout))
    finally:
        s.close()


# A timeout whose milliseconds do not fit in int64 was once cast anyway: undefined behaviour
# (UBSan stopped the process; otherwise the socket silently blocked forever).
@pytest.mark.parametrize(
    "call", ["s.settimeout(1e300)", "s.settimeout(2**70)", "select.select([], [s], [], 1e300)"]
)
def test_huge_timeouts_are_refused(call):
    # In a process of its own: were the undefined behaviour back, UBSan would end the process.
    code = (
        "import mpsock\nlw = mpsock._mpsock.lwip\nselect = mpsock._mpsock.select\n"
        "s = lw.socket(lw.AF_INET, lw.SOCK_DGRAM)\n"
        "try:\n    %s\n    print('accepted')\nexcept (OverflowError, ValueError) as e:\n"
        "    print('refused', type(e).__name__)\n" % call
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith("refused"), (result.stdout, result.stderr[-2000:])
    assert result.returncode == 0
