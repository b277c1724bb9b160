"""close() of a connection with data the peer has not acknowledged (docs/firmware-behaviour.md
§5 close): the data still goes out, then FIN; the PCB stays in use until the close completes,
the close timeout aborts it, or the peer resets it (lwIP frees a closing pcb on RST,
tcp_input's TF_RESET)."""

import socket as native
import struct
import time

import mpsock
import pytest
from native_peers import PEER_TIMEOUT


def tcp_pcbs():
    return mpsock.pcbs_in_use()["tcp"]


def wait_until_pcbs_free(within):
    deadline = time.monotonic() + within
    while tcp_pcbs() and time.monotonic() < deadline:
        time.sleep(0.02)
    return tcp_pcbs()


@pytest.fixture
def closed_with_data_queued(emu):
    """A connection the emulator closed with its send buffer full, and the native end of it,
    which has read nothing (its receive buffer is small, so the window is shut)."""
    listener = native.socket()
    listener.setsockopt(native.SOL_SOCKET, native.SO_RCVBUF, 2048)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(PEER_TIMEOUT)
    s = emu.socket()
    s.connect(listener.getsockname())
    conn, _ = listener.accept()
    conn.settimeout(PEER_TIMEOUT)
    s.setblocking(False)
    queued = 0
    with pytest.raises(OSError) as full:
        for _ in range(1000):
            queued += s.send(bytes(1000))
    assert full.value.errno == 11
    s.close()
    assert tcp_pcbs() == 1  # held while the close tries to finish
    yield conn, queued
    conn.close()
    listener.close()


def test_a_lingering_close_completes_when_the_peer_reads(closed_with_data_queued):
    conn, queued = closed_with_data_queued
    received = 0
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break  # the FIN, after every byte
        received += len(chunk)
    assert received == queued
    assert wait_until_pcbs_free(within=2.0) == 0


def test_a_lingering_close_ends_when_the_peer_resets(closed_with_data_queued):
    conn, _ = closed_with_data_queued
    conn.setsockopt(native.SOL_SOCKET, native.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # RST
    assert wait_until_pcbs_free(within=2.0) == 0
