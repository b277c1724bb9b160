"""How closely a shaped link keeps to its configured rate: a camera script sends (or receives)
a bulk stream under `mpsock run --bandwidth RATE`, a native peer timestamps the bytes, and the
measured rate is compared with RATE. The project's target is within 5%.

    python3 bench/shaping.py [--rate 8Mbit] [--bytes 2000000] [--profile openmv-rt1062]
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

SENDER = """
import socket, sys
s = socket.socket()
s.connect(("127.0.0.1", int(sys.argv[1])))
chunk = bytes(1460)
left = int(sys.argv[2])
while left > 0:
    n = min(left, len(chunk))
    s.sendall(chunk[:n])
    left -= n
s.close()
"""

RECEIVER = """
import socket, sys, time
s = socket.socket()
s.connect(("127.0.0.1", int(sys.argv[1])))
total = int(sys.argv[2])
got = 0
first = None
while got < total:
    data = s.recv(65536)
    if not data:
        break
    if first is None:
        first = time.ticks_us()
        first_size = len(data)
    got += len(data)
elapsed = time.ticks_diff(time.ticks_us(), first) / 1e6
print("RATE", (got - first_size) * 8 / elapsed if elapsed > 0 else 0)
s.close()
"""

PEER_TIMEOUT = 120


def _listener():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(PEER_TIMEOUT)
    return listener


def _run_script(source, port, size, profile, rate):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(source)
    try:
        return subprocess.run(
            ["mpsock", "run", "--profile", profile, "--bandwidth", rate, script.name, str(port), str(size)],
            capture_output=True, text=True, timeout=PEER_TIMEOUT)
    finally:
        os.unlink(script.name)


def measure_send(profile, rate, size):
    """Bits per second the peer saw the camera script's stream arrive at."""
    listener = _listener()
    times = {}

    def sink():
        conn, _ = listener.accept()
        conn.settimeout(PEER_TIMEOUT)
        got = 0
        while True:
            data = conn.recv(65536)
            if not data:
                break
            if got == 0:
                times["first"], times["first_size"] = time.perf_counter(), len(data)
            got += len(data)
            times["last"] = time.perf_counter()
        times["got"] = got
        conn.close()

    thread = threading.Thread(target=sink, daemon=True)
    thread.start()
    result = _run_script(SENDER, listener.getsockname()[1], size, profile, rate)
    thread.join(PEER_TIMEOUT)
    listener.close()
    if result.returncode != 0 or times.get("got") != size:
        raise RuntimeError("send run failed: %s" % result.stderr.strip())
    return (times["got"] - times["first_size"]) * 8 / (times["last"] - times["first"])


def measure_receive(profile, rate, size):
    """Bits per second the camera script saw a native sender's stream arrive at."""
    listener = _listener()

    def source():
        conn, _ = listener.accept()
        conn.sendall(bytes(size))
        conn.close()

    thread = threading.Thread(target=source, daemon=True)
    thread.start()
    result = _run_script(RECEIVER, listener.getsockname()[1], size, profile, rate)
    thread.join(PEER_TIMEOUT)
    listener.close()
    for line in result.stdout.splitlines():
        if line.startswith("RATE "):
            return float(line.split()[1])
    raise RuntimeError("receive run failed: %s" % result.stderr.strip())


def bits(rate):
    units = {"kbit": 1e3, "mbit": 1e6, "gbit": 1e9, "bit": 1.0}
    lowered = rate.lower()
    for unit, scale in units.items():
        if lowered.endswith(unit):
            return float(lowered[: -len(unit)]) * scale
    return float(lowered)


def rows(profile="openmv-rt1062", rate="8Mbit", size=2_000_000):
    """(label, measured Mbit/s, measured/configured) for each direction."""
    configured = bits(rate)
    measured = [("shaped send, %s, %s" % (rate, profile), measure_send(profile, rate, size)),
                ("shaped receive, %s, %s" % (rate, profile), measure_receive(profile, rate, size))]
    return [(label, value / 1e6, value / configured) for label, value in measured]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", default="8Mbit")
    parser.add_argument("--bytes", type=int, default=2_000_000)
    parser.add_argument("--profile", default="openmv-rt1062")
    args = parser.parse_args()
    for label, mbit, ratio in rows(args.profile, args.rate, args.bytes):
        verdict = "ok" if 0.95 <= ratio <= 1.05 else "MISS"
        print("%-44s %7.3f Mbit/s  %.3fx of the setting  (target 0.95-1.05) %s" % (label, mbit, ratio, verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
