"""A camera script uploads with blocking sendall of 12,000-byte chunks to a native CPython server
that reads as fast as it can, under `mpsock run`, for each camera profile and with the link
shaped (1 ms of latency, 100 Mbit/s): it must finish, and the server must read exactly what
the script sent. Before the send wait's ACK fix about half of the 10 MB uploads stopped for
good (or, with settimeout(5), stalled 5 s at a time). The test command uploads 2 MB once per
case; MPSOCK_SLOW_TESTS=1 repeats the user's 10 MB upload 20 times per case and prints how
many completed."""

import hashlib
import os
import socket
import subprocess
import threading

import pytest

CHUNK = 12_000
CASES = {
    "openmv-rt1062": ["--profile", "openmv-rt1062"],
    "openmv-ae3": ["--profile", "openmv-ae3"],
    "openmv-n6": ["--profile", "openmv-n6"],
    "stm32-generic": ["--profile", "stm32-generic"],
    "default-latency-1ms": ["--latency", "1ms"],
    "default-bandwidth-100Mbit": ["--bandwidth", "100Mbit"],
}
# A run that has not finished by then has stopped for good (10 MB takes about 3 s shaped).
RUN_TIMEOUT = 30

# The camera script: CHUNKS chunks, each stamped with its number, sent with a blocking sendall.
UPLOAD = """
import socket, sys
port, chunks = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket()
s.connect(("127.0.0.1", port))
chunk = bytearray(12000)
for i in range(chunks):
    for j in range(0, 12000, 1000):
        chunk[j:j + 4] = (i * 12 + j).to_bytes(4, "little")
    s.sendall(chunk)
s.close()
print("sent", chunks * 12000)
"""


def expected_digest(chunks):
    chunk, digest = bytearray(CHUNK), hashlib.sha256()
    for i in range(chunks):
        for j in range(0, CHUNK, 1000):
            chunk[j : j + 4] = (i * 12 + j).to_bytes(4, "little")
        digest.update(chunk)
    return digest.hexdigest()


def upload_once(run_mpsock, script_path, options, chunks):
    """One `mpsock run` of the upload against a native reader: (finished, bytes read, digest)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(RUN_TIMEOUT)
    read = {}

    def reader():
        try:
            conn, _ = server.accept()
        except OSError:
            return
        conn.settimeout(RUN_TIMEOUT)
        digest, count = hashlib.sha256(), 0
        try:
            while True:
                data = conn.recv(1 << 16)
                if not data:
                    break
                digest.update(data)
                count += len(data)
        except OSError:
            pass
        conn.close()
        read["count"], read["digest"] = count, digest.hexdigest()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        args = ["run", *options, script_path, str(server.getsockname()[1]), str(chunks)]
        result = run_mpsock(*args, timeout=RUN_TIMEOUT)
        finished = result.returncode == 0
    except subprocess.TimeoutExpired:
        finished = False
    thread.join(RUN_TIMEOUT)
    server.close()
    return finished, read.get("count"), read.get("digest")


@pytest.fixture
def upload_script(script):
    return script(UPLOAD, "upload.py")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", list(CASES))
def test_blocking_upload_finishes_with_every_byte(run_mpsock, upload_script, case):
    chunks = 167  # 2 MB
    finished, count, digest = upload_once(run_mpsock, upload_script, CASES[case], chunks)
    assert finished, "the upload stopped for good"
    assert count == chunks * CHUNK
    assert digest == expected_digest(chunks), "the server read other bytes than the script sent"


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("case", list(CASES))
def test_ten_megabyte_upload_twenty_times(run_mpsock, upload_script, case):
    chunks, runs = 834, int(os.environ.get("MPSOCK_UPLOAD_RUNS", "20"))
    digest = expected_digest(chunks)
    outcomes = [upload_once(run_mpsock, upload_script, CASES[case], chunks) for _ in range(runs)]
    complete = sum(
        1 for finished, count, got in outcomes if finished and count == chunks * CHUNK and got == digest
    )
    print("%s: %d of %d uploads of 10 MB complete and byte-exact" % (case, complete, runs))
    assert complete == runs
