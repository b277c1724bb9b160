"""asyncio with threads: a ThreadSafeFlag set from another Python thread wakes a loop that is
blocked in the emulator's poll at once (not when the poll's timeout, the next sleeping task's
tick, comes), and a loop with nothing to do costs no CPU."""

import statistics
import threading
import time

import pytest
from mpsock import modasyncio, signals

# Long enough that a wake-up that waited for it could not pass for a prompt one.
SLEEPER_S = 10
PROMPT_S = 0.5  # generous for a loaded machine; a working wake-up takes well under 1 ms


@pytest.fixture
def asyncio(emu):
    signals.install()
    return modasyncio.make_module()


def set_later(flag, delay, stamps):
    def run():
        time.sleep(delay)
        stamps.append(time.monotonic())
        flag.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_set_from_another_thread_wakes_the_blocked_loop_promptly(asyncio):
    async def sleeper():
        await asyncio.sleep(SLEEPER_S)  # the loop's poll waits up to this long

    async def main():
        flag = asyncio.ThreadSafeFlag()
        task = asyncio.create_task(sleeper())
        set_at = []
        thread = set_later(flag, 0.2, set_at)
        await asyncio.wait_for(flag.wait(), 3)  # TimeoutError if the set never wakes the poll
        woken = time.monotonic()
        thread.join()
        task.cancel()
        return woken - set_at[0]

    assert asyncio.run(main()) < PROMPT_S


def test_many_sets_from_another_thread_each_wake_the_loop(asyncio):
    rounds = 30

    async def main():
        flag = asyncio.ThreadSafeFlag()
        latencies = []
        for _ in range(rounds):
            set_at = []
            thread = set_later(flag, 0.005, set_at)
            await asyncio.wait_for(flag.wait(), 3)
            latencies.append(time.monotonic() - set_at[0])
            thread.join()
        return latencies

    latencies = asyncio.run(main())
    assert len(latencies) == rounds
    assert statistics.median(latencies) < PROMPT_S / 10 and max(latencies) < PROMPT_S


def test_a_set_from_another_thread_while_streams_are_waited_on(asyncio, native_server):
    server = native_server(lambda conn: conn.recv(1))

    async def reader_task(reader):
        return await reader.read(1)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        waiting_read = asyncio.create_task(reader_task(reader))
        flag = asyncio.ThreadSafeFlag()
        set_at = []
        thread = set_later(flag, 0.1, set_at)
        await asyncio.wait_for(flag.wait(), 3)
        latency = time.monotonic() - set_at[0]
        thread.join()
        waiting_read.cancel()
        await writer.aclose()
        return latency

    assert asyncio.run(main()) < PROMPT_S


def test_an_idle_loop_costs_no_cpu(asyncio):
    async def main():
        flag = asyncio.ThreadSafeFlag()
        asyncio.create_task(_sleep(asyncio, 10))  # a far tick for the poll
        before = time.thread_time()
        try:
            await asyncio.wait_for(flag.wait(), 1)
        except asyncio.TimeoutError:
            pass
        return time.thread_time() - before

    assert asyncio.run(main()) < 0.05


async def _sleep(asyncio, seconds):
    await asyncio.sleep(seconds)
