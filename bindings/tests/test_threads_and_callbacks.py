"""Threads on one stack, the GIL released while waiting, close from another thread, and
modlwip's event callback (setsockopt option 20)."""

import threading
import time

import pytest

from native_peers import PEER_TIMEOUT


def test_server_thread_and_client_in_one_script(emu, native_server):
    """A script's server thread blocks in accept while its main thread is a client: both on one
    stack, each with a desktop peer (a camera cannot connect to its own server)."""
    import socket as native

    from native_peers import echo, free_port

    port = free_port()
    server = emu.socket()
    server.setsockopt(emu.SOL_SOCKET, emu.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(1)
    heard = []

    def serve():
        conn, _ = server.accept()
        heard.append(conn.recv(64))
        conn.send(b"ack")
        conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    time.sleep(0.05)  # the server blocks in accept first
    upstream = native_server(echo)
    client = emu.socket()
    client.connect(upstream.address)
    client.send(b"from the main thread")
    assert client.recv(64) == b"from the main thread"
    with native.create_connection(("127.0.0.1", port), timeout=PEER_TIMEOUT) as visitor:
        visitor.sendall(b"hello from the desktop")
        assert visitor.recv(16) == b"ack"
    thread.join(PEER_TIMEOUT)
    assert heard == [b"hello from the desktop"]
    client.close()
    server.close()


def test_blocked_call_releases_the_gil(emu, native_server):
    server = native_server(lambda conn: conn.recv(1))
    s = emu.socket()
    s.connect(server.address)
    s.settimeout(0.5)
    counter = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1

    worker = threading.Thread(target=count)
    worker.start()
    try:
        with pytest.raises(OSError):
            s.recv(1)
    finally:
        stop.set()
        worker.join(PEER_TIMEOUT)
    # The counting thread ran while the main thread waited in the emulator.
    assert counter[0] > 1000
    s.close()


def test_blocked_recv_costs_no_cpu(emu, native_server):
    server = native_server(lambda conn: conn.recv(1))
    s = emu.socket()
    s.connect(server.address)
    s.settimeout(2)
    used = []

    def blocked():
        before = time.thread_time()
        try:
            s.recv(1)
        except OSError as error:
            assert error.errno == 110
        used.append(time.thread_time() - before)

    thread = threading.Thread(target=blocked)
    thread.start()
    thread.join(10)
    assert used and used[0] < 0.05, used
    s.close()


def test_close_from_another_thread_ends_a_blocked_recv(emu, native_server):
    server = native_server(lambda conn: conn.recv(1))
    s = emu.socket()
    s.connect(server.address)
    outcome = []

    def blocked():
        try:
            s.recv(10)
        except OSError as error:
            outcome.append(error.errno)

    thread = threading.Thread(target=blocked)
    thread.start()
    time.sleep(0.1)
    s.close()
    thread.join(PEER_TIMEOUT)
    assert outcome == [9]


def test_event_callback_runs_on_data_and_connections(emu, native_server):
    events = []
    arrived = threading.Event()

    def on_event(sock):
        events.append(sock)
        arrived.set()

    server = native_server(lambda conn: (time.sleep(0.05), conn.sendall(b"ping"), conn.recv(1)))
    s = emu.socket()
    s.connect(server.address)
    s.setsockopt(emu.SOL_SOCKET, 20, on_event)
    deadline = time.monotonic() + PEER_TIMEOUT
    while not events and time.monotonic() < deadline:
        time.sleep(0.01)  # the callback runs between bytecodes, as mp_sched runs it
    assert events and events[0] is s
    assert s.recv(10) == b"ping"
    s.setsockopt(emu.SOL_SOCKET, 20, None)
    with pytest.raises(TypeError):
        s.setsockopt(emu.SOL_SOCKET, 20, 42)
    s.close()


def test_event_callback_exception_is_printed_and_others_run(emu, native_server, capsys):
    calls = []

    def broken(sock):
        calls.append("broken")
        raise RuntimeError("callback failed")

    server = native_server(lambda conn: (conn.sendall(b"x"), conn.recv(1)))
    s = emu.socket()
    s.setsockopt(emu.SOL_SOCKET, 20, broken)
    s.connect(server.address)
    deadline = time.monotonic() + PEER_TIMEOUT
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls
    assert "callback failed" in capsys.readouterr().err
    s.close()


def test_micropython_schedule(run_micropython):
    # Scheduled functions run on the main thread between bytecodes; a thread that schedules
    # more than the queue holds (4, MICROPY_SCHEDULER_DEPTH) while the main thread is busy in
    # a C call gets RuntimeError, as on the camera.
    result = run_micropython(
        "-c",
        "import micropython, time, _thread\n"
        "seen = []\n"
        "micropython.schedule(seen.append, 5)\n"
        "for _ in range(100):\n"
        "    if seen: break\n"
        "    time.sleep_ms(1)\n"
        "print(seen)\n"
        "outcome = []\n"
        "def flood():\n"
        "    try:\n"
        "        for i in range(6): micropython.schedule(seen.append, i)\n"
        "    except RuntimeError as e:\n"
        "        outcome.append(str(e))\n"
        "lock = _thread.allocate_lock()\n"
        "lock.acquire()\n"
        "def worker():\n"
        "    flood()\n"
        "    lock.release()\n"
        "_thread.start_new_thread(worker, ())\n"
        "lock.acquire()\n"
        "print(outcome)\n")
    lines = result.stdout.splitlines()
    assert lines[0] == "[5]", result.stderr
    assert lines[1] == "['schedule queue full']"
