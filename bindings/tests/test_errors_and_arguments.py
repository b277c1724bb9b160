"""Exceptions as the firmware raises them: plain OSError with MicroPython's errno, ValueError
for a host name in an address, TypeError for wrong types; never a crash."""

import pytest

import mpsock

from native_peers import free_port


def oserror(call, *args):
    with pytest.raises(OSError) as info:
        call(*args)
    assert type(info.value) is OSError  # never TimeoutError, BlockingIOError, ...
    assert info.value.args[0] == info.value.errno
    return info.value.errno


def test_timeout_is_etimedout_not_socket_timeout(emu, echo_server):
    s = emu.socket()
    s.connect(echo_server.address)
    s.settimeout(0.05)
    assert oserror(s.recv, 10) == 110
    s.close()


def test_non_blocking_is_eagain(emu, echo_server):
    s = emu.socket()
    s.connect(echo_server.address)
    s.setblocking(False)
    assert oserror(s.recv, 10) == 11
    assert oserror(s.recv, 10) == 11
    s.close()


def test_error_prints_like_micropython(emu):
    l = emu.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(1)
    l.settimeout(0)
    with pytest.raises(OSError) as info:
        l.accept()
    assert str(info.value) == "[Errno 11] EAGAIN"
    assert info.value.args == (11,)
    l.close()


def test_refused_connect_is_econnreset(emu):
    s = emu.socket()
    assert oserror(s.connect, ("127.0.0.1", free_port())) == 104
    s.close()


def test_non_blocking_connect_on_a_fast_link_connects_at_once(emu, echo_server):
    """From v1.24 connect polls the stack once before EINPROGRESS: a handshake faster than
    that (the emulated link has no delay here) completes within the call."""
    s = emu.socket()
    s.settimeout(0)
    assert s.connect(echo_server.address) is None
    assert s.send(b"x") == 1
    s.close()


def test_non_blocking_connect_on_a_slow_link_is_einprogress(emu, echo_server):
    mpsock._mpsock.set_conditions(latency_ms=20)
    s = emu.socket()
    s.settimeout(0)
    assert oserror(s.connect, echo_server.address) == 115
    s.close()


def test_non_blocking_connect_before_v124_is_einprogress(echo_server):
    from mpsock.modules import socket_module

    mpsock.use_profile("openmv-rt1062", "1.23")
    emu = socket_module()
    s = emu.socket()
    s.settimeout(0)
    assert oserror(s.connect, echo_server.address) == 115
    s.close()


def test_closed_socket_is_ebadf(emu):
    s = emu.socket()
    s.close()
    s.close()
    assert oserror(s.send, b"x") == 9
    assert oserror(s.recv, 1) == 9
    assert oserror(s.connect, ("127.0.0.1", 80)) == 9


def test_host_name_in_address_is_value_error(emu):
    s = emu.socket()
    with pytest.raises(ValueError, match="invalid arguments"):
        s.connect(("localhost", 80))
    with pytest.raises(ValueError):
        s.bind(("999.1.1.1", 80))
    s.close()


def test_port_out_of_range_is_value_error(emu):
    s = emu.socket()
    for port in (-1, 65536, 10**9):
        with pytest.raises(ValueError):
            s.connect(("127.0.0.1", port))
    s.close()


@pytest.mark.parametrize("address", [("127.0.0.1",), ("127.0.0.1", 1, 2), "127.0.0.1:80", 80, None, ("127.0.0.1", "80"), (80, 80)])
def test_bad_address_forms(emu, address):
    s = emu.socket()
    with pytest.raises((TypeError, ValueError)):
        s.connect(address)
    s.close()


def test_address_as_list_is_fine(emu, echo_server):
    s = emu.socket()
    s.connect(["127.0.0.1", echo_server.port])
    s.close()


def test_constructor_arguments(emu):
    with pytest.raises(TypeError):
        emu.socket(type=emu.SOCK_DGRAM)
    with pytest.raises(TypeError):
        emu.socket(2, 1, 0, 0, 0)
    with pytest.raises(TypeError):
        emu.socket(2.0)
    assert oserror(emu.socket, emu.AF_INET, 99) == 22


def test_wrong_types_are_type_errors(emu, echo_server):
    s = emu.socket()
    s.connect(echo_server.address)
    with pytest.raises(TypeError):
        s.send(12)
    with pytest.raises(TypeError):
        s.recv("10")
    with pytest.raises(ValueError):
        s.recv(-1)
    with pytest.raises(TypeError):
        s.settimeout("1")
    with pytest.raises(ValueError):
        s.settimeout(-1)
    with pytest.raises(TypeError):
        s.setsockopt(emu.SOL_SOCKET, emu.SO_REUSEADDR, 1.5)
    with pytest.raises(TypeError):
        s.setsockopt(1, 2)
    s.close()


def test_message_calls_count_their_arguments_as_micropython(emu, echo_server):
    s = emu.socket()
    s.connect(echo_server.address)
    with pytest.raises(TypeError, match="missing 1 required positional"):
        s.recv()
    with pytest.raises(TypeError, match="at most 3 arguments, got 4"):
        s.recv(10, 0, 0)
    with pytest.raises(TypeError, match="takes 2 positional arguments but 1 were given"):
        s.send()
    with pytest.raises(TypeError, match="takes 3 positional arguments but 2 were given"):
        s.sendto(b"x")
    with pytest.raises(TypeError):
        s.recv(size=10)  # no keywords, as on the camera
    with pytest.raises(TypeError, match="takes 1 positional arguments but 2 were given"):
        s.close(1)
    # A method taken from the class checks what it is called on.
    with pytest.raises(TypeError):
        type(s).recv(42, 10)
    assert s.send(b"ping") == 4
    assert s.recv(10) == b"ping"
    s.close()


def test_a_subclass_of_socket_sends_and_receives(emu, echo_server):
    class Tagged(emu.socket):
        tag = "mine"

    s = Tagged()
    s.connect(echo_server.address)
    assert s.send(b"pong") == 4
    assert s.recv(10) == b"pong"
    assert s.tag == "mine"
    s.close()


def test_send_accepts_str_like_micropython(emu, echo_server):
    s = emu.socket()
    s.connect(echo_server.address)
    assert s.send("hé") == 3
    assert s.recv(10) == "hé".encode()
    s.close()


def test_unknown_option_prints_a_warning(emu, capsys):
    s = emu.socket()
    assert s.setsockopt(emu.SOL_SOCKET, 0x7777, 1) is None
    assert capsys.readouterr().out == "Warning: lwip.setsockopt() not implemented\n"
    s.close()


def test_membership_needs_eight_bytes(emu):
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    with pytest.raises(ValueError):
        s.setsockopt(emu.IPPROTO_IP, emu.IP_ADD_MEMBERSHIP, b"\xef\x01\x02\x03")
    with pytest.raises(TypeError):
        s.setsockopt(emu.IPPROTO_IP, emu.IP_ADD_MEMBERSHIP, 5.0)
    s.close()


def test_getaddrinfo_shape_and_errors(emu):
    assert emu.getaddrinfo("10.0.0.1", 80) == [(2, 1, 0, "", ("10.0.0.1", 80))]
    assert emu.getaddrinfo("10.0.0.1", 80, emu.AF_INET6) == [(2, 1, 0, "", ("10.0.0.1", 80))]
    with pytest.raises(OSError) as info:
        emu.getaddrinfo("no.such.host.example", 80)
    assert info.value.args[0] == -2
    with pytest.raises(OSError) as info:
        emu.getaddrinfo("", 80)
    assert info.value.args[0] == -6
    with pytest.raises(TypeError):
        emu.getaddrinfo(b"10.0.0.1", 80)
    with pytest.raises(TypeError):
        emu.getaddrinfo("10.0.0.1", "80")


def test_getaddrinfo_warns_on_unsupported_constraints(emu, capsys):
    # mp_warning prints on the script's output, every time.
    for _ in range(2):
        assert emu.getaddrinfo("10.0.0.1", 53, 0, emu.SOCK_DGRAM) == [(2, 1, 0, "", ("10.0.0.1", 53))]
    assert capsys.readouterr().out == "RuntimeWarning: unsupported getaddrinfo constraints\n" * 2


def test_host_table_and_failures(emu):
    import mpsock

    mpsock.add_host("camera-server.lan", "192.168.4.2")
    assert emu.getaddrinfo("camera-server.lan", 8080)[0][4] == ("192.168.4.2", 8080)
    mpsock.fail_host("flaky.lan")
    with pytest.raises(OSError) as info:
        emu.getaddrinfo("flaky.lan", 80)
    assert info.value.args[0] == -2


def test_localhost_through_the_system_resolver(emu):
    import mpsock

    mpsock.use_system_resolver(True)
    assert emu.getaddrinfo("localhost", 80)[0][4] == ("127.0.0.1", 80)


def test_udp_sendall_is_not_implemented(emu):
    s = emu.socket(emu.AF_INET, emu.SOCK_DGRAM)
    with pytest.raises(NotImplementedError):
        s.sendall(b"x")
    s.close()


def test_socket_limit_is_enomem(emu):
    sockets = [emu.socket() for _ in range(5)]
    assert oserror(emu.socket) == 12
    sockets.pop().close()
    emu.socket().close()
    for s in sockets:
        s.close()


def test_garbage_collection_closes_a_socket(emu):
    import gc

    for _ in range(20):
        s = emu.socket()
        del s
        gc.collect()
    assert mpsock_pcbs()["tcp"] == 0


def mpsock_pcbs():
    import mpsock

    return mpsock.pcbs_in_use()
