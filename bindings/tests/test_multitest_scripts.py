"""Board network tests in MicroPython's two-instance format (tests/multi_net): each instance
is a function in one script; the instances run as separate `mpsock-micropython` processes and
synchronise through lines on stdout and stdin (`multitest.next()`, `globals()`, `broadcast()`,
`wait()`). The output is what the board prints, instance by instance."""

import subprocess
import threading

import pytest

# What the script's instances call, as MicroPython's multitest helper offers it. Control
# lines go to stdout; the host relays them to the other instances' stdin.
MULTITEST_PRELUDE = '''
import sys

class multitest:
    @staticmethod
    def flush():
        sys.stdout.flush()

    @staticmethod
    def next():
        print("NEXT")
        multitest.flush()

    @staticmethod
    def broadcast(msg):
        print("BROADCAST", msg)
        multitest.flush()

    @staticmethod
    def wait(msg):
        while True:
            line = sys.stdin.readline().rstrip()
            if not line:
                raise SystemExit
            if line == "BROADCAST " + msg:
                return
            multitest._receive(line)

    @staticmethod
    def globals(**names):
        for name in names:
            print("SET", name, repr(names[name]))
        multitest.flush()

    @staticmethod
    def get_network_ip():
        return "127.0.0.1"

    @staticmethod
    def _receive(line):
        if line.startswith("SET "):
            _, name, value = line.split(" ", 2)
            globals()[name] = eval(value)

    @staticmethod
    def next_from_others():
        # Wait for the other instance's NEXT, taking its globals on the way.
        while True:
            line = sys.stdin.readline().rstrip()
            if not line or line == "NEXT":
                return
            multitest._receive(line)
'''


class Instance:
    def __init__(self, script, number):
        code = "%s\n%s\ninstance%d()\n" % (MULTITEST_PRELUDE, script, number)
        self.process = subprocess.Popen(
            ["mpsock-micropython", "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.output = []

    def send(self, line):
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except OSError:
            pass


def run_multitest(script, instances=2, timeout=30):
    """Runs each instance, relaying control lines to the others; returns the output in
    run-multitests' form ("--- instance0 ---" then its lines)."""
    running = [Instance(script, i) for i in range(instances)]

    def pump(me):
        for line in me.process.stdout:
            line = line.rstrip("\n")
            if line == "NEXT" or line.startswith("SET ") or line.startswith("BROADCAST "):
                for other in running:
                    if other is not me:
                        other.send(line)
            else:
                me.output.append(line)

    readers = [threading.Thread(target=pump, args=(instance,), daemon=True) for instance in running]
    for reader in readers:
        reader.start()
    try:
        for instance in running:
            instance.process.wait(timeout)
    finally:
        for instance in running:
            instance.process.kill()
    for reader in readers:
        reader.join(5)
    errors = [instance.process.stderr.read() for instance in running]
    text = []
    for number, instance in enumerate(running):
        text.append("--- instance%d ---" % number)
        text.extend(instance.output)
    return "\n".join(text) + "\n", errors


# The server accepts and then reads from a client that sends nothing: the firmware's recv
# with a timeout raises ETIMEDOUT (110), never a CPython TimeoutError. The client's second
# connection is refused after the server closed: ECONNRESET (104) on lwIP.
ACCEPT_RECV_TIMEOUT = '''
import socket
PORT = 8000 + 17

def instance0():
    multitest.globals(IP=multitest.get_network_ip())
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(socket.getaddrinfo("0.0.0.0", PORT)[0][-1])
    s.listen(1)
    multitest.next()
    conn, _ = s.accept()
    conn.settimeout(0.2)
    try:
        print(conn.recv(10))
    except OSError as er:
        print("recv", er.errno)
    multitest.broadcast("server done")
    conn.close()
    s.close()
    multitest.broadcast("closed")

def instance1():
    multitest.next_from_others()
    s = socket.socket()
    s.connect(socket.getaddrinfo(IP, PORT)[0][-1])
    multitest.wait("server done")
    print("client", s.recv(10))
    s.close()
    multitest.wait("closed")
    t = socket.socket()
    try:
        t.connect(socket.getaddrinfo(IP, PORT)[0][-1])
        print("connected")
    except OSError as er:
        print("connect", er.errno)
    t.close()
'''


def test_board_multitest_prints_what_the_board_prints():
    output, errors = run_multitest(ACCEPT_RECV_TIMEOUT)
    assert output == "--- instance0 ---\nrecv 110\n--- instance1 ---\nclient b''\nconnect 104\n", errors


# UDP between the instances: one datagram per recv, cut to the buffer, as the firmware does.
UDP_DATAGRAMS = '''
import socket
PORT = 8000 + 18

def instance0():
    multitest.globals(IP=multitest.get_network_ip())
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(socket.getaddrinfo("0.0.0.0", PORT)[0][-1])
    multitest.next()
    s.settimeout(5)
    print(s.recv(4))
    print(s.recv(100))
    s.close()

def instance1():
    multitest.next_from_others()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = socket.getaddrinfo(IP, PORT)[0][-1]
    s.sendto(b"0123456789", address)
    s.sendto(b"second", address)
    print("sent")
    s.close()
'''


def test_udp_multitest():
    output, errors = run_multitest(UDP_DATAGRAMS)
    assert output == "--- instance0 ---\nb'0123'\nb'second'\n--- instance1 ---\nsent\n", errors


pytestmark = pytest.mark.timeout(60)
