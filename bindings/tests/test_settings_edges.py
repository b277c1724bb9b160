"""Every setting of a run, from the command line and from the environment, at its edges: zero,
negative, huge (past a 64-bit integer), not a number, wrong or missing units, wrong case,
stray white space. A bad one is a one-line error and exit status 2 before the script runs, the
same for `--profile DESKTOP` and `MPSOCK_PROFILE=DESKTOP`; a good one runs. The option values
are checked in-process through the command's own parser (fast), and each kind of mistake once
end to end through `mpsock run` and `mpsock-micropython`."""

import math

import mpsock
import pytest
from mpsock import _mpsock, cli, settings

HUGE = ["99999999999999999999s", "18446744073709551616us", "1" + "0" * 400 + "ms", "9223372036854775808ms"]
NOT_NUMBERS = ["nan", "inf", "-inf", "", " ", "ms", "1e3ms", "1,5ms", "0x10ms", "1..2ms", "soon", "1 parsec"]

BAD_OPTIONS = (
    [
        ("--profile", name)
        for name in ("DESKTOP", "desktop ", " desktop", "openmv-rt1060", "", "Openmv-RT1062")
    ]
    + [
        (option, value)
        for option in ("--latency", "--jitter", "--connect-time")
        for value in HUGE + NOT_NUMBERS + ["-5ms", "-0.001s", "86401s", "86400001ms"]
    ]
    + [
        ("--bandwidth", value)
        for value in [
            "0bit",
            "0",
            "0kbit",
            "0.5bit",
            "-1Mbit",
            "1e9bit",
            "2 Mbits",
            "nan",
            "inf",
            "1" + "0" * 400 + "Gbit",
            "2Mbit/ms",
            "",
        ]
    ]
    + [
        ("--loss", value)
        for value in [
            "101%",
            "100.0001%",
            "1.0001",
            "-1%",
            "-0",
            "nan",
            "inf",
            "%",
            "1e-3",
            "",
            "50 %%",
            "0.5%%",
        ]
    ]
    + [("--seed", value) for value in ["-1", "18446744073709551616", "1.5", "0x10", "", "seven"]]
    + [
        ("--fault", value)
        for value in [
            "reset@99999999999999999999s",
            "reset@18446744073709551616ms",
            "reset@-1s",
            "reset@nan",
            "reset@86401s",
            "link-down@1s for 0s",
            "link-down@1s for 99999999999999999999s",
            "link-down@1s for -3s",
            "close@99999999999999999999KB",
            "close@-1B",
            "reset@1e3ms",
            "dns-fail:",
            "reset@",
            "explode@1s",
            "reset:name@1s",
        ]
    ]
    + [
        ("--host", value)
        for value in ["a=", "=127.0.0.1", "a", "a=b", "a=999.1.1.1", "a=::1%x", "a=127.0.0.1 x"]
    ]
    + [("--network", value) for value in ["sideways", "UP ", ""]]
    + [
        ("--trace-limit", value)
        for value in ["0", "0B", "-1MB", "1", "1MB/s", "nan", "99999999999999999999GB", "100 parsecs", ""]
    ]
)

GOOD_OPTIONS = [
    ("--profile", "desktop"),
    ("--profile", "openmv-n6"),
    ("--latency", "0"),
    ("--latency", "0ms"),
    ("--latency", "86400s"),
    ("--latency", "0.5us"),
    ("--jitter", "0"),
    ("--connect-time", "0"),
    ("--bandwidth", "1bit"),
    ("--bandwidth", "10Gbit"),
    ("--loss", "0"),
    ("--loss", "0%"),
    ("--loss", "100%"),
    ("--loss", "1"),
    ("--seed", "0"),
    ("--seed", str(2**64 - 1)),
    ("--fault", "reset@0s"),
    ("--fault", "link-down@86400s for 86400s"),
    ("--fault", "close@0B"),
    ("--host", "a.lan=127.0.0.1"),
    ("--host", "a=::1"),
    ("--trace-limit", "1KiB"),
    ("--trace-limit", "2KB"),
    ("--trace-limit", "none"),
    ("--trace-limit", "5GiB"),
]


def parse(*argv):
    return cli.build_parser().parse_args(["run", *argv, "script.py"])


@pytest.mark.parametrize("option,value", BAD_OPTIONS, ids=["%s=%r" % pair for pair in BAD_OPTIONS])
def test_a_bad_option_value_is_a_usage_error(option, value, capsys):
    with pytest.raises(SystemExit) as stopped:
        parse("%s=%s" % (option, value))
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and option in err.splitlines()[-1], err
    assert "Traceback" not in err


@pytest.mark.parametrize("option,value", GOOD_OPTIONS, ids=["%s=%r" % pair for pair in GOOD_OPTIONS])
def test_a_good_option_value_is_taken(option, value):
    parse("%s=%s" % (option, value))


def test_bandwidth_zero_means_unlimited_only_in_the_python_api():
    # On the command line a rate of nothing is a mistake; the API's default 0 is "no limit".
    with pytest.raises(SystemExit):
        parse("--bandwidth", "0bit")
    mpsock.use_profile("desktop")
    _mpsock.set_conditions(bandwidth_bps=0.0)
    assert _mpsock.conditions()["bandwidth_bps"] == 0.0


@pytest.mark.parametrize(
    "field,value",
    [
        (field, value)
        for field in ("latency_ms", "jitter_ms")
        for value in (math.nan, math.inf, -math.inf, -1.0, -1e-9, 86_400_001.0, 1e20, 1.8446744073709552e19)
    ]
    + [("bandwidth_bps", value) for value in (math.nan, math.inf, -1.0, 0.5, 1e-300)]
    + [("loss", value) for value in (math.nan, math.inf, -0.01, 1.0001, 2.0)],
)
def test_the_python_api_refuses_the_same_conditions(field, value):
    mpsock.use_profile("desktop")
    with pytest.raises(ValueError) as refused:
        _mpsock.set_conditions(**{field: value})
    assert field.split("_")[0] in str(refused.value)
    assert _mpsock.conditions() == {
        "latency_ms": 0.0,
        "jitter_ms": 0.0,
        "bandwidth_bps": 0.0,
        "loss": 0.0,
        "seed": 1,
    }


def test_the_limits_are_the_same_on_both_sides():
    mpsock.use_profile("desktop")
    _mpsock.set_conditions(
        latency_ms=86_400_000.0, jitter_ms=86_400_000.0, bandwidth_bps=1.0, loss=1.0, seed=2**64 - 1
    )
    parse(
        "--latency",
        "86400s",
        "--jitter",
        "86400000ms",
        "--bandwidth",
        "1bit",
        "--loss",
        "100%",
        "--seed",
        str(2**64 - 1),
    )


ENVIRONMENT = (
    [
        ("MPSOCK_PROFILE", value)
        for value in ("DESKTOP", "desktop ", "openmv-rt1060", "no-such-board", "Desktop")
    ]
    + [("MPSOCK_NETWORK", value) for value in ("sideways", "upp", "2")]
    + [("MPSOCK_CONNECT_TIME", value) for value in ["soon", "-1ms", "nan", "99999999999999999999s", "86401s"]]
    + [("MPSOCK_OFFLINE", value) for value in ("maybe", "2", "-1", "offline")]
)


@pytest.mark.parametrize("name,value", ENVIRONMENT, ids=["%s=%r" % pair for pair in ENVIRONMENT])
def test_a_bad_environment_setting_names_itself(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as refused:
        settings.check_environment()
    assert str(refused.value).startswith(name + ": ")


@pytest.mark.parametrize(
    "name,value",
    [
        ("MPSOCK_PROFILE", ""),
        ("MPSOCK_PROFILE", "desktop"),
        ("MPSOCK_NETWORK", "down"),
        ("MPSOCK_NETWORK", ""),
        ("MPSOCK_CONNECT_TIME", "0"),
        ("MPSOCK_CONNECT_TIME", "86400s"),
        ("MPSOCK_OFFLINE", "0"),
        ("MPSOCK_OFFLINE", "1"),
        ("MPSOCK_OFFLINE", ""),
        ("MPSOCK_OFFLINE", "yes"),
        ("MPSOCK_OFFLINE", "false"),
    ],
)
def test_a_good_environment_setting_is_taken(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    settings.check_environment()


def test_the_profile_from_the_environment_and_the_option_give_the_same_error(monkeypatch, capsys):
    with pytest.raises(SystemExit):
        parse("--profile", "DESKTOP")
    option_error = capsys.readouterr().err.splitlines()[-1]
    monkeypatch.setenv("MPSOCK_PROFILE", "DESKTOP")
    with pytest.raises(ValueError) as refused:
        settings.check_environment()
    assert option_error.endswith(str(refused.value).split(": ", 1)[1])


# ---- End to end: exit status 2, one line, no traceback, the script never runs ----

SCRIPT = "print('the script ran')\n"


@pytest.mark.parametrize(
    "args",
    [
        ("--profile", "DESKTOP"),
        ("--latency", "99999999999999999999s"),
        ("--bandwidth", "0bit"),
        ("--loss", "101%"),
        ("--seed", "-1"),
        ("--fault", "reset@99999999999999999999s"),
        ("--connect-time", "-1s"),
        ("--trace-limit", "0"),
        ("--trace", "/no/such/folder/trace.jsonl"),
        ("--host", "a=b"),
    ],
)
def test_mpsock_run_refuses_a_bad_option_before_the_script_runs(run_mpsock, script, args):
    result = run_mpsock("run", *args, script(SCRIPT))
    assert result.returncode == 2, result.stderr
    assert "the script ran" not in result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(("mpsock: ", "mpsock run: "))


@pytest.mark.parametrize("command", ["run", "micropython"])
@pytest.mark.parametrize(
    "name,value",
    [
        ("MPSOCK_PROFILE", "DESKTOP"),
        ("MPSOCK_PROFILE", "desktop "),
        ("MPSOCK_PROFILE", "openmv-rt1060"),
        ("MPSOCK_CONNECT_TIME", "99999999999999999999s"),
        ("MPSOCK_OFFLINE", "maybe"),
    ],
)
def test_a_bad_environment_setting_stops_both_commands(
    run_mpsock, run_micropython, script, command, name, value
):
    path = script(SCRIPT)
    result = (
        run_mpsock("run", path, env={name: value})
        if command == "run"
        else run_micropython(path, env={name: value})
    )
    assert result.returncode == 2, result.stderr
    assert "the script ran" not in result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert name in result.stderr and repr(value) in result.stderr


def test_an_option_overrides_a_good_environment_setting(run_mpsock, script):
    path = script("import mpsock\nprint(mpsock.current_profile()['name'])\n")
    result = run_mpsock("run", "--profile", "openmv-n6", path, env={"MPSOCK_PROFILE": "desktop"})
    assert result.stdout == "openmv-n6\n", result.stderr


# ---- --loss 100%: a dead link, not a slow one ----

DEAD_LINK_CLIENT = """
import socket, sys, time
s = socket.socket()
s.settimeout(1.5)
start = time.ticks_ms()
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
    print("connected")
except OSError as error:
    print("connect", error.args[0], time.ticks_diff(time.ticks_ms(), start) >= 1400)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"lost", ("127.0.0.1", int(sys.argv[2])))
"""


def test_loss_of_100_percent_lets_nothing_cross(run_mpsock, script, native_server):
    import socket as native

    accepted = []
    server = native_server(accepted.append)
    sink = native.socket(native.AF_INET, native.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(0.5)
    path = script(DEAD_LINK_CLIENT)
    result = run_mpsock("run", "--loss", "100%", path, str(server.port), str(sink.getsockname()[1]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["connect 110 True"]
    with pytest.raises(OSError):
        sink.recvfrom(16)
    sink.close()


def test_loss_of_100_percent_starves_an_open_connection(desktop, native_server):
    # Data either way stops; the script's timeout expires as on a camera out of range.
    conns = []
    server = native_server(lambda conn: conns.append(conn) or conn.sendall(b"hello"))
    s = desktop.socket()
    s.settimeout(5)
    s.connect(server.address)
    assert s.recv(5) == b"hello"
    _mpsock.set_conditions(loss=1.0)
    s.send(b"ping")
    conns[0].sendall(b"more")
    s.settimeout(1.0)
    with pytest.raises(OSError) as timed_out:
        s.recv(10)
    assert timed_out.value.errno == 110
    conns[0].settimeout(0.3)
    with pytest.raises(OSError):
        conns[0].recv(10)  # the ping never arrived
    _mpsock.set_conditions(loss=0.0)  # the link comes back: both wait no longer
    s.settimeout(5)
    assert s.recv(10) == b"more"
    conns[0].settimeout(5)
    assert conns[0].recv(10) == b"ping"
    s.close()
