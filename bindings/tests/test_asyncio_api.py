"""The script's asyncio (MicroPython's, bindings/mpsock/modasyncio.py), function by function, in
this process on a fresh emulated stack: run, create_task, sleep, sleep_ms, gather, wait_for,
wait_for_ms, current_task, Task, Event, ThreadSafeFlag, Lock, the exceptions and the loop."""

import sys
import time

import pytest
from mpsock import modasyncio, signals


@pytest.fixture
def asyncio(emu):
    # A loop with nothing left to run waits in the emulator's poll as on the camera (forever):
    # signals must reach that wait, so a test that hangs is ended by its timeout.
    signals.install()
    return modasyncio.make_module()


def run_logged(asyncio, main):
    """Runs main(log) and returns what it logged."""
    log = []
    asyncio.run(main(log.append))
    return log


# ---- run, create_task, current_task ----


def test_run_returns_the_coroutines_value(asyncio):
    async def main():
        return 42

    assert asyncio.run(main()) == 42


def test_run_raises_the_main_tasks_exception(asyncio):
    async def main():
        raise ValueError("main failed")

    with pytest.raises(ValueError, match="main failed"):
        asyncio.run(main())


@pytest.mark.parametrize("not_a_coroutine", [None, 42, lambda: None])
def test_run_and_create_task_take_coroutines_only(asyncio, not_a_coroutine):
    with pytest.raises(TypeError, match="coroutine expected"):
        asyncio.run(not_a_coroutine)
    with pytest.raises(TypeError, match="coroutine expected"):
        asyncio.create_task(not_a_coroutine)


def test_run_of_a_sleep_is_a_typeerror(asyncio):
    # MicroPython's sleep returns an awaitable that is no coroutine.
    with pytest.raises(TypeError, match="coroutine expected"):
        asyncio.run(asyncio.sleep(0))


def test_create_task_runs_tasks_in_creation_order(asyncio):
    async def main(log):
        async def task(name):
            log(name)

        for name in "abc":
            asyncio.create_task(task(name))
        log("created")
        await asyncio.sleep(0)
        log("main")

    assert run_logged(asyncio, main) == ["created", "a", "b", "c", "main"]


def test_current_task(asyncio):
    seen = []

    async def child():
        seen.append(asyncio.current_task())

    async def main():
        me = asyncio.current_task()
        task = asyncio.create_task(child())
        await task
        return me, task

    me, task = asyncio.run(main())
    assert isinstance(me, asyncio.Task) and seen == [task] and me is not task
    with pytest.raises(RuntimeError, match="no running event loop"):
        asyncio.current_task()


# ---- sleep, sleep_ms ----


def test_sleeps_wake_in_deadline_order(asyncio):
    async def main(log):
        async def sleeper(name, ms):
            await asyncio.sleep_ms(ms)
            log(name)

        asyncio.create_task(sleeper("60ms", 60))
        asyncio.create_task(sleeper("20ms", 20))
        asyncio.create_task(sleeper("0.04s", 0))
        await asyncio.sleep(0.1)

    # the third sleeps 0 ms: it comes back before the others
    assert run_logged(asyncio, main) == ["0.04s", "20ms", "60ms"]


def test_sleep_waits_at_least_its_time(asyncio):
    async def main():
        start = time.monotonic()
        await asyncio.sleep(0.05)
        middle = time.monotonic()
        await asyncio.sleep_ms(30)
        return middle - start, time.monotonic() - middle

    first, second = asyncio.run(main())
    assert first >= 0.049 and second >= 0.029


def test_sleep_ms_takes_whole_milliseconds_only(asyncio):
    with pytest.raises(TypeError, match="can't convert float to int"):
        asyncio.sleep_ms(1.5)


def test_negative_sleep_is_no_sleep(asyncio):
    async def main():
        start = time.monotonic()
        await asyncio.sleep_ms(-1000)
        await asyncio.sleep(-1)
        return time.monotonic() - start

    assert asyncio.run(main()) < 0.5


# ---- Task ----


def test_task_done_and_await(asyncio):
    async def work():
        await asyncio.sleep_ms(5)
        return "result"

    async def main():
        task = asyncio.create_task(work())
        before = task.done()
        first = await task
        second = await task  # a finished task can be awaited again
        return before, task.done(), first, second

    assert asyncio.run(main()) == (False, True, "result", "result")


def test_awaiting_a_failed_task_raises_its_exception(asyncio):
    async def work():
        raise KeyError("lost")

    async def main():
        task = asyncio.create_task(work())
        with pytest.raises(KeyError):
            await task
        with pytest.raises(KeyError):
            await task
        return True

    assert asyncio.run(main())


def test_cancel_throws_cancellederror_into_the_task(asyncio):
    async def main(log):
        async def victim():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                log("cancelled")
                raise

        task = asyncio.create_task(victim())
        await asyncio.sleep(0)
        log(task.cancel())
        start = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        log(time.monotonic() - start < 5)  # the 10 s sleep did not have to end
        log(task.done())
        log(task.cancel())  # a finished task is not cancelled again

    assert run_logged(asyncio, main) == [True, "cancelled", True, True, False]


def test_a_task_cannot_cancel_itself(asyncio):
    async def main():
        with pytest.raises(RuntimeError, match="can't cancel self"):
            asyncio.current_task().cancel()
        return "still running"

    assert asyncio.run(main()) == "still running"


def test_cancelling_a_task_that_awaits_another_cancels_the_other(asyncio):
    async def main(log):
        async def inner():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                log("inner cancelled")
                raise

        async def outer(task):
            try:
                await task
            except asyncio.CancelledError:
                log("outer cancelled")

        inner_task = asyncio.create_task(inner())
        outer_task = asyncio.create_task(outer(inner_task))
        await asyncio.sleep(0)
        outer_task.cancel()
        await outer_task
        log(inner_task.done())

    assert run_logged(asyncio, main) == ["inner cancelled", "outer cancelled", True]


def test_a_task_may_ignore_its_cancellation(asyncio):
    async def main():
        async def stubborn():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                pass
            return "kept going"

        task = asyncio.create_task(stubborn())
        await asyncio.sleep(0)
        task.cancel()
        return await task

    assert asyncio.run(main()) == "kept going"


def test_exception_classes(asyncio):
    assert issubclass(asyncio.CancelledError, BaseException)
    assert not issubclass(asyncio.CancelledError, Exception)
    # asyncio's own TimeoutError: on the camera it is no OSError (CPython's is).
    assert issubclass(asyncio.TimeoutError, Exception)
    assert not issubclass(asyncio.TimeoutError, OSError)


# ---- gather ----


def test_gather_returns_results_in_argument_order(asyncio):
    async def value(v, ms):
        await asyncio.sleep_ms(ms)
        return v

    async def main():
        task = asyncio.create_task(value("task", 5))
        return await asyncio.gather(value("slow", 30), value("fast", 1), task)

    assert asyncio.run(main()) == ["slow", "fast", "task"]


def test_gather_of_nothing(asyncio):
    async def main():
        return await asyncio.gather()

    assert asyncio.run(main()) == []


def test_gather_raises_the_first_exception_and_leaves_the_others_running(asyncio):
    async def main(log):
        async def fail(ms):
            await asyncio.sleep_ms(ms)
            raise ValueError(ms)

        async def slow():
            await asyncio.sleep_ms(50)
            log("slow finished")
            return "slow"

        slow_task = asyncio.create_task(slow())
        try:
            await asyncio.gather(fail(10), slow_task, fail(20))
        except ValueError as error:
            log(("raised", error.args[0], slow_task.done()))
        log(await slow_task)

    assert run_logged(asyncio, main) == [("raised", 10, False), "slow finished", "slow"]


def test_gather_return_exceptions(asyncio):
    async def fail():
        raise ValueError("bad")

    async def good():
        return "good"

    async def main():
        cancelled = asyncio.create_task(good())
        cancelled.cancel()
        return await asyncio.gather(good(), fail(), cancelled, return_exceptions=True)

    result = asyncio.run(main())
    assert result[0] == "good"
    assert isinstance(result[1], ValueError) and isinstance(result[2], asyncio.CancelledError)


def test_gather_takes_tasks_that_already_ended(asyncio):
    async def quick(value):
        return value

    async def main():
        done = asyncio.create_task(quick(1))
        await asyncio.sleep(0)
        assert done.done()
        return await asyncio.gather(done, quick(2))

    assert asyncio.run(main()) == [1, 2]


def test_gather_cannot_take_a_task_someone_awaits(asyncio):
    async def sleeping():
        await asyncio.sleep_ms(20)

    async def awaiting(task):
        await task

    async def main():
        sleeper = asyncio.create_task(sleeping())
        waiter = asyncio.create_task(awaiting(sleeper))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="can't gather"):
            await asyncio.gather(sleeper)
        await waiter
        return True

    assert asyncio.run(main())


def test_cancelling_a_gather_cancels_its_tasks(asyncio):
    async def main(log):
        async def forever(name):
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                log(name + " cancelled")
                raise

        async def gatherer():
            try:
                await asyncio.gather(forever("a"), forever("b"))
            except asyncio.CancelledError:
                log("gather cancelled")

        task = asyncio.create_task(gatherer())
        await asyncio.sleep_ms(5)
        task.cancel()
        await asyncio.sleep_ms(5)

    assert run_logged(asyncio, main) == ["gather cancelled", "a cancelled", "b cancelled"]


# ---- wait_for, wait_for_ms ----


def test_wait_for_returns_the_result(asyncio):
    async def value():
        await asyncio.sleep_ms(5)
        return "in time"

    async def main():
        return await asyncio.wait_for(value(), 1), await asyncio.wait_for_ms(value(), 1000)

    assert asyncio.run(main()) == ("in time", "in time")


def test_wait_for_timeout_cancels_then_raises_timeouterror(asyncio):
    async def main(log):
        async def slow():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                log("slow cancelled")
                raise

        start = time.monotonic()
        try:
            await asyncio.wait_for(slow(), 0.05)
        except asyncio.TimeoutError:
            log("TimeoutError")
        try:
            await asyncio.wait_for_ms(slow(), 20)
        except OSError:
            log("an OSError")  # not on the camera
        except asyncio.TimeoutError:
            log("TimeoutError")
        log(0.06 < time.monotonic() - start < 5)

    assert run_logged(asyncio, main) == [
        "slow cancelled",
        "TimeoutError",
        "slow cancelled",
        "TimeoutError",
        True,
    ]


def test_wait_for_passes_the_exception_on(asyncio):
    async def fail():
        raise ZeroDivisionError

    async def main():
        with pytest.raises(ZeroDivisionError):
            await asyncio.wait_for(fail(), 1)
        return True

    assert asyncio.run(main())


def test_wait_for_without_timeout_waits(asyncio):
    async def value():
        await asyncio.sleep_ms(20)
        return 7

    async def main():
        return await asyncio.wait_for(value(), None)

    assert asyncio.run(main()) == 7


def test_a_cancelled_wait_for_cancels_what_it_waits_for(asyncio):
    async def main(log):
        async def slow():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                log("slow cancelled")
                raise

        async def waiter():
            try:
                await asyncio.wait_for(slow(), 5)
            except asyncio.CancelledError:
                log("waiter cancelled")
                raise

        task = asyncio.create_task(waiter())
        await asyncio.sleep_ms(5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    # wait_for cancels its runner and raises at once; the awaitable sees it when it next runs
    assert run_logged(asyncio, main) == ["waiter cancelled", "slow cancelled"]


# ---- Event ----


def test_event(asyncio):
    async def main(log):
        event = asyncio.Event()

        async def waiter(name):
            log((name, await event.wait()))

        log(event.is_set())
        for name in ("a", "b"):
            asyncio.create_task(waiter(name))
        await asyncio.sleep(0)
        event.set()
        log(event.is_set())
        await asyncio.sleep(0)
        log(await event.wait())  # already set: at once
        event.clear()
        log(event.is_set())

    assert run_logged(asyncio, main) == [False, True, ("a", True), ("b", True), True, False]


def test_a_cancelled_event_waiter_leaves_the_queue(asyncio):
    async def main(log):
        event = asyncio.Event()

        async def waiter(name):
            try:
                await event.wait()
                log(name + " woken")
            except asyncio.CancelledError:
                log(name + " cancelled")

        first = asyncio.create_task(waiter("first"))
        asyncio.create_task(waiter("second"))
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.sleep(0)
        event.set()
        await asyncio.sleep(0)

    assert run_logged(asyncio, main) == ["first cancelled", "second woken"]


# ---- Lock ----


def test_lock_hands_over_in_arrival_order(asyncio):
    async def main(log):
        lock = asyncio.Lock()

        async def worker(name):
            async with lock:
                log(name + " in")
                await asyncio.sleep_ms(2)
                log(name + " out")

        tasks = [asyncio.create_task(worker(name)) for name in "abc"]
        await asyncio.sleep(0)
        log(lock.locked())
        for task in tasks:
            await task
        log(lock.locked())

    assert run_logged(asyncio, main) == [
        "a in", True, "a out", "b in", "b out", "c in", "c out", False]  # fmt: skip


def test_lock_acquire_release(asyncio):
    async def main():
        lock = asyncio.Lock()
        with pytest.raises(RuntimeError, match="Lock not acquired"):
            lock.release()
        assert await lock.acquire() is True
        assert lock.locked()
        lock.release()
        return lock.locked()

    assert asyncio.run(main()) is False


def test_a_cancelled_lock_waiter_passes_the_lock_on(asyncio):
    async def main(log):
        lock = asyncio.Lock()
        await lock.acquire()

        async def waiter(name):
            try:
                await lock.acquire()
            except asyncio.CancelledError:
                log(name + " cancelled")
                return
            log(name + " has it")
            lock.release()

        first = asyncio.create_task(waiter("first"))
        asyncio.create_task(waiter("second"))
        await asyncio.sleep(0)
        lock.release()  # first is woken to take it ...
        first.cancel()  # ... and cancelled before it runs: second gets it
        for _ in range(3):
            await asyncio.sleep(0)
        log(lock.locked())

    assert run_logged(asyncio, main) == ["first cancelled", "second has it", False]


# ---- ThreadSafeFlag (its threads: test_asyncio_threads.py) ----


def test_threadsafeflag_in_the_loop(asyncio):
    async def main(log):
        flag = asyncio.ThreadSafeFlag()

        async def waiter():
            await flag.wait()
            log("woken")

        flag.set()
        await flag.wait()  # set before: at once, and clears it
        log("first wait")
        task = asyncio.create_task(waiter())
        await asyncio.sleep_ms(10)
        log("set")
        flag.set()
        await task
        flag.set()
        flag.clear()
        try:
            await asyncio.wait_for_ms(flag.wait(), 20)
        except asyncio.TimeoutError:
            log("cleared")

    assert run_logged(asyncio, main) == ["first wait", "set", "woken", "cleared"]


# ---- The loop ----


def test_get_event_loop_is_the_one_loop(asyncio):
    assert asyncio.get_event_loop() is asyncio.get_event_loop() is asyncio.Loop
    assert asyncio.new_event_loop() is asyncio.Loop


def test_loop_run_until_complete_with_a_coroutine_or_a_task(asyncio):
    loop = asyncio.get_event_loop()

    async def value(v):
        await asyncio.sleep_ms(1)
        return v

    assert loop.run_until_complete(value(1)) == 1
    task = loop.create_task(value(2))
    assert loop.run_until_complete(task) == 2
    loop.close()


def test_loop_run_forever_until_stop(asyncio):
    loop = asyncio.get_event_loop()
    log = []

    async def stopper():
        log.append("running")
        await asyncio.sleep_ms(10)
        loop.stop()
        loop.stop()  # twice does nothing more
        log.append("stopped")

    loop.create_task(stopper())
    loop.run_forever()
    assert log == ["running", "stopped"]


def test_new_event_loop_forgets_the_tasks(asyncio):
    log = []

    async def forgotten():
        log("ran")

    coro = forgotten()
    asyncio.create_task(coro)
    loop = asyncio.new_event_loop()

    async def main():
        await asyncio.sleep_ms(5)

    loop.run_until_complete(main())
    assert log == []
    coro.close()


def test_exception_handler_get_set_and_call(asyncio):
    loop = asyncio.get_event_loop()
    assert loop.get_exception_handler() is None
    seen = []

    def handler(handler_loop, context):
        seen.append((handler_loop, context["message"], type(context["exception"]), context["future"]))

    loop.set_exception_handler(handler)
    assert loop.get_exception_handler() is handler

    async def fail():
        raise ValueError("unseen")

    async def main():
        task = asyncio.create_task(fail())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return task

    task = asyncio.run(main())
    assert seen == [(loop, "Task exception wasn't retrieved", ValueError, task)]
    loop.call_exception_handler({"message": "by hand", "exception": None, "future": None})
    assert seen[-1][1] == "by hand"
    loop.set_exception_handler(None)
    assert loop.get_exception_handler() is None


def test_default_exception_handler_prints_to_stderr(asyncio, capsys):
    async def fail():
        raise ValueError("nobody awaits me")

    async def main():
        asyncio.create_task(fail())
        await asyncio.sleep_ms(5)

    asyncio.run(main())
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Task exception wasn't retrieved"
    assert err[1].startswith("future: <Task> coro= <coroutine object")
    assert err[-1] == "ValueError: nobody awaits me"


def test_default_exception_handler_called_directly(asyncio, capsys):
    try:
        raise KeyError("k")
    except KeyError as error:
        caught = error

    class Future:
        coro = "the coro"

    loop = asyncio.get_event_loop()
    loop.default_exception_handler(loop, {"message": "msg", "exception": caught, "future": Future()})
    err = capsys.readouterr().err
    # MicroPython prints the exception's str(), not its repr(): KeyError: k.
    assert err.startswith("msg\nfuture: ") and "coro= the coro" in err and err.endswith("KeyError: k\n")


def test_module_surface(asyncio):
    for name in (
        "run create_task current_task sleep sleep_ms gather wait_for wait_for_ms Task Event ThreadSafeFlag "
        "Lock CancelledError TimeoutError get_event_loop new_event_loop open_connection start_server "
        "StreamReader StreamWriter Loop"
    ).split():
        assert hasattr(asyncio, name), name
    assert asyncio.StreamReader is asyncio.StreamWriter
    # CPython-only names are absent, as on the camera
    for name in ("get_running_loop", "Future", "ensure_future", "Queue", "Stream", "Server"):
        assert not hasattr(asyncio, name), name
    loop = asyncio.get_event_loop()
    for name in (
        "run_forever run_until_complete stop close create_task set_exception_handler get_exception_handler "
        "default_exception_handler call_exception_handler"
    ).split():
        assert callable(getattr(loop, name)), name
    assert sys.modules.get("asyncio") is not asyncio  # the host's asyncio is untouched
