"""`mpsock run` and `mpsock-micropython` end to end: a camera-style script talking to a native
CPython server, exit statuses, tracebacks, and MicroPython's command-line contract."""

import os
import signal
import subprocess
import sys
import time

import pytest
from native_peers import free_port

CAMERA_CLIENT = """
import socket, time, errno, sys
addr = socket.getaddrinfo(sys.argv[1], int(sys.argv[2]))[0][-1]
s = socket.socket()
s.connect(addr)
s.send(b'GET /frame HTTP/1.0\\r\\n\\r\\n')
line = s.readline()
print('status', line.strip().decode())
s.settimeout(0.2)
try:
    s.recv(10)
except OSError as e:
    print('timeout errno', e.args[0], e.args[0] == errno.ETIMEDOUT)
s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b'telemetry', addr)
print('ticks ok', time.ticks_diff(time.ticks_ms(), 0) >= 0)
"""


def http_like(conn):
    request = conn.recv(1024)
    assert request.startswith(b"GET /frame")
    conn.sendall(b"HTTP/1.0 200 OK\r\n")
    conn.recv(1)


def test_run_camera_script_against_native_server(native_server, run_mpsock, script):
    server = native_server(http_like)
    result = run_mpsock("run", script(CAMERA_CLIENT), "127.0.0.1", str(server.port))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["status HTTP/1.0 200 OK", "timeout errno 110 True", "ticks ok True"]
    assert not server.errors


def test_micropython_command_runs_the_same_script(native_server, run_micropython, script):
    server = native_server(http_like)
    result = run_micropython(script(CAMERA_CLIENT), "127.0.0.1", str(server.port))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "status HTTP/1.0 200 OK"


def test_uncaught_exception_status_and_traceback(run_mpsock, script):
    # A refused connect: lwIP reports the peer's RST as ECONNRESET.
    path = script("import socket\ns = socket.socket()\ns.settimeout(2)\ns.connect(('127.0.0.1', %d))\n" % free_port())
    result = run_mpsock("run", path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "OSError: [Errno 104] ECONNRESET"
    assert "mpsock" not in result.stderr.replace(path, "")
    assert 'line 4, in <module>' in result.stderr


def test_exit_status_is_the_scripts(run_mpsock, script):
    assert run_mpsock("run", script("import sys\nsys.exit(3)\n")).returncode == 3
    assert run_mpsock("run", script("raise SystemExit\n")).returncode == 0


def test_missing_file_and_syntax_error(run_mpsock, script, tmp_path):
    missing = run_mpsock("run", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "can't open file" in missing.stderr
    broken = run_mpsock("run", script("def broken(:\n"))
    assert broken.returncode == 1
    assert "SyntaxError" in broken.stderr and "mpsock/" not in broken.stderr


def test_camera_only_module_is_named(run_mpsock, script):
    result = run_mpsock("run", script("import tv\n"))
    assert result.returncode == 1
    assert "'tv' is a camera module that mpsock does not emulate" in result.stderr
    assert "mpsock/" not in result.stderr


def test_script_folder_modules_see_the_emulator(run_mpsock, script):
    script("import socket\ndef surface():\n    return hasattr(socket.socket(), 'getsockname')\n", name="helper.py")
    path = script("import helper\nprint(helper.surface())\n")
    result = run_mpsock("run", path)
    assert result.stdout.strip() == "False", result.stderr


def test_profile_option_and_environment(run_mpsock, run_micropython, script):
    path = script("import socket\nprint(hasattr(socket.socket(), 'getsockname'))\n")
    assert run_mpsock("run", "--profile", "desktop", path).stdout.strip() == "True"
    assert run_mpsock("run", path).stdout.strip() == "False"
    assert run_micropython(path, env={"MPSOCK_PROFILE": "desktop"}).stdout.strip() == "True"
    bad = run_mpsock("run", "--profile", "no-such-board", path)
    assert bad.returncode == 2 and "unknown profile" in bad.stderr


def test_profiles_command(run_mpsock):
    result = run_mpsock("profiles")
    assert result.returncode == 0
    assert "openmv-rt1062 *" in result.stdout and "desktop" in result.stdout


def test_micropython_dash_c_and_stdin(run_micropython):
    result = run_micropython("-c", "import sys, errno\nprint(sys.path[0] == '', errno.EAGAIN)")
    assert result.stdout == "True 11\n"
    result = run_micropython(input="import socket\nprint(socket.SOCK_DGRAM)\n")
    assert result.stdout == "2\n"


def test_micropython_file_path_argv_and_micropypath(run_micropython, script, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "extra.py").write_text("import errno\nVALUE = errno.ETIMEDOUT\n")
    path = script("import sys, extra\nprint(sys.argv[1:], sys.path[0].split('/')[-1], extra.VALUE)\n")
    result = run_micropython(path, "a", "b", env={"MICROPYPATH": str(lib)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['a', 'b'] %s 110" % os.path.basename(str(tmp_path))


def test_micropython_traceback_format(run_micropython):
    result = run_micropython("-c", "import socket\ns = socket.socket()\ns.close()\ns.send(b'x')")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Traceback (most recent call last):",
        '  File "<stdin>", line 4, in <module>',
        "OSError: [Errno 9] EBADF",
    ]


def test_micropython_stdin_stays_readable_and_output_is_unbuffered(script):
    path = script("import sys\nprint('ready')\nline = sys.stdin.readline()\nprint('got', line.strip())\n")
    process = subprocess.Popen(
        ["mpsock-micropython", path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "ready\n"  # arrives before stdin is written: unbuffered
        process.stdin.write("hello\n")
        process.stdin.flush()
        assert process.stdout.readline() == "got hello\n"
    finally:
        process.stdin.close()
        process.wait(30)


def test_ctrl_c_interrupts_a_blocked_call(script):
    path = script(
        "import socket\nl = socket.socket()\nl.bind(('127.0.0.1', 0))\nl.listen(1)\nprint('blocking', flush=True)\nl.accept()\n")
    process = subprocess.Popen(["mpsock", "run", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "blocking\n"
        time.sleep(0.2)
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
        assert time.monotonic() - started < 2
    finally:
        process.kill()
    assert process.returncode == -signal.SIGINT
    assert stderr.splitlines()[-1] == "KeyboardInterrupt"
    assert "l.accept()" in stderr


def test_blocked_recv_costs_no_cpu(native_server, script):
    server = native_server(lambda conn: conn.recv(1))
    path = script(
        "import socket, sys\ns = socket.socket()\ns.connect(('127.0.0.1', int(sys.argv[1])))\n"
        "s.settimeout(2)\ntry:\n    s.recv(1)\nexcept OSError as e:\n    print(e.args[0])\n")
    started = os.times()
    result = subprocess.run(["mpsock", "run", path, str(server.port)], capture_output=True, text=True, timeout=30)
    ended = os.times()
    assert result.stdout.strip() == "110", result.stderr
    child_cpu = (ended.children_user - started.children_user) + (ended.children_system - started.children_system)
    # Interpreter start-up included; the 2 s wait itself must not add to it.
    assert child_cpu < 1.0, child_cpu


def test_bad_environment_settings_are_one_line_errors(run_micropython):
    for name, value in (("MPSOCK_NETWORK", "sideways"), ("MPSOCK_CONNECT_TIME", "soon")):
        result = run_micropython("-c", "print(1)", env={name: value})
        assert result.returncode == 2
        assert result.stderr.startswith("mpsock-micropython: ") and name in result.stderr
        assert "Traceback" not in result.stderr


def test_script_raised_oserror_prints_like_micropython(run_micropython):
    result = run_micropython("-c", "raise OSError(110)")
    assert result.stderr.splitlines()[-1] == "OSError: [Errno 110] ETIMEDOUT"
