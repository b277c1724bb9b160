"""The asyncio module a camera script sees (also as uasyncio): MicroPython's asyncio, its
scheduler, tasks, events, locks and streams, running on the emulator's sockets and select.poll.

It behaves as the firmware's asyncio package (MicroPython's extmod/asyncio), not CPython's:

- One run queue ordered by the tick (ms) each task may run at, first in first out within a
  tick. A task whose sleep ended earlier runs before one made ready later, even if that one
  was ready first; the scheduler polls the streams before every step, so a task woken by I/O
  queues behind what is already due.
- cancel() reschedules the task at once (a sleeping task is brought forward) and throws
  CancelledError into it when it runs; a task cannot cancel itself (RuntimeError). Cancelling
  a task that awaits another task cancels the awaited one.
- run() returns when its task ends and leaves every other task where it is: the next run()
  continues them. A main task that never ends and waits on nothing keeps run() waiting.
- A task that ends with an exception nobody awaits is reported through the loop's exception
  handler one scheduler turn later (CPython waits for garbage collection).
- asyncio.TimeoutError is asyncio's own Exception (not an OSError); CancelledError is a
  BaseException. sleep_ms takes whole milliseconds only; sleep computes its wake-up time when
  called, not when awaited; run() and create_task() take coroutines only.
- Streams are one class for reading and writing. open_connection returns once the connect has
  finished or failed; a refused connect shows at the first read or write (OSError(104) on lwIP).
  Only accepted streams know their peername (get_extra_info gives KeyError on the others).
  Stream.close() does nothing; wait_closed() (aclose) closes the socket.
- As on the camera, a second task waiting to read (or write) the same stream replaces the first,
  which then waits forever, and cancelling a task waiting on a stream forgets every task waiting
  on that stream.

Socket errors are the emulated sockets' OSError(errno). The scheduler never spins: with no task
due it blocks in the emulator's poll until the next sleeping task's tick or a stream's event;
ThreadSafeFlag is a descriptor the poll watches, so a set() from another thread wakes it.

TLS is not wired yet: open_connection and start_server take no `ssl` argument. A Stream reads
and writes any object that select.poll accepts and whose non-blocking read, readinto, readline
and write return None when they would block, as a wrapped TLS socket does.
"""

import os
import sys
import types
from collections import deque
from heapq import heappop, heappush
from itertools import count
from time import monotonic_ns as _monotonic_ns

from . import _mpsock

__version__ = (3, 0, 0)  # the version MicroPython's asyncio package reports

_select = _mpsock.select
_POLLIN = _select.POLLIN
_POLLOUT = _select.POLLOUT
_EINPROGRESS = 115


def _socket_module():
    from .modules import socket_module

    return socket_module()


# ---- Exceptions ----


class CancelledError(BaseException):
    pass


class TimeoutError(Exception):  # asyncio's own: on the camera it is no OSError
    pass


# ---- The run queue ----


def _ticks():
    return _monotonic_ns() // 1_000_000


class _RunQueue:
    """The tasks to run, by the tick each may run at, first in first out within a tick (as
    MicroPython's stable pairing heap keyed by ticks orders them): a heap of [tick, order, task]
    that the scheduler's loop reads directly. A removed task leaves a dead entry (task None)
    behind, skipped when it reaches the top."""

    __slots__ = ("heap", "order")

    def __init__(self):
        self.heap = []
        self.order = count()

    def push(self, task, at=None):
        entry = [_ticks() if at is None else at, next(self.order), task]
        task._entry = entry
        task._blocker = None
        heappush(self.heap, entry)

    def remove(self, task):
        if task._entry is not None:
            task._entry[2] = None
            task._entry = None


class _WaitQueue(deque):
    """Tasks waiting on an Event, a Lock or a Task, in the order they came. cancel() takes a
    task out with remove()."""

    __slots__ = ()


class _Gathering:
    """What a task in gather() waits on: cancel() has nothing to take it out of."""

    @staticmethod
    def remove(task):
        pass


# ---- Tasks ----

_current = None  # the task running now
_run_queue = None
_io_queue = None
_stop_task = None


class Task:
    """A coroutine the scheduler runs. `await task` gives its result or raises its exception;
    cancel() throws CancelledError into it."""

    __slots__ = ("coro", "_entry", "_blocker", "_throw", "_done", "_outcome", "_waiters", "_on_done", "_seen")

    def __init__(self, coro, globals=None):
        self.coro = coro
        self._entry = None  # its entry in the run queue, while queued
        self._blocker = None  # what it waits on: a _WaitQueue, the _IOQueue, a Task, _Gathering
        self._throw = None  # thrown into it when it next runs
        self._done = False
        self._outcome = None  # StopIteration(result) or the exception it ended with
        self._waiters = None  # _WaitQueue of the tasks awaiting it
        self._on_done = None  # gather's callback, called with (task, outcome) when it ends
        self._seen = False  # its end was (or will be) seen: awaited, gathered or run()'s own

    def __repr__(self):
        return "<Task>"

    def done(self):
        return self._done

    def cancel(self):
        if self._done:
            return False
        if self is _current:
            raise RuntimeError("can't cancel self")
        task = self
        while isinstance(task._blocker, Task):  # awaiting a task: that task is what to cancel
            task = task._blocker
        blocker = task._blocker
        if blocker is not None:
            blocker.remove(task)
            _run_queue.push(task)
        elif task._entry is not None and task._entry[0] > _ticks():
            _run_queue.remove(task)  # sleeping: wake it now
            _run_queue.push(task)
        task._throw = CancelledError
        return True

    def __await__(self):
        if not self._done:
            if self._on_done is not None:
                raise RuntimeError("can't wait")
            if self._waiters is None:
                self._waiters = _WaitQueue()
            self._waiters.append(_current)
            _current._blocker = self
            yield
        self._seen = True
        outcome = self._outcome
        if isinstance(outcome, StopIteration):
            return outcome.value
        raise outcome

    __iter__ = __await__


def _promote_to_task(awaitable):
    return awaitable if isinstance(awaitable, Task) else create_task(awaitable)


def create_task(coro):
    if not hasattr(coro, "send"):
        raise TypeError("coroutine expected")
    task = Task(coro)
    _run_queue.push(task)
    return task


def current_task():
    if _current is None:
        raise RuntimeError("no running event loop")
    return _current


@types.coroutine
def _yield_now():
    """sleep_ms(0): back in the run queue at this tick."""
    _run_queue.push(_current)
    yield


@types.coroutine
def _suspend():
    """Gives the processor back; whoever wakes the task has already been told how."""
    yield


# ---- Sleeping ----


class _Sleep:
    """What sleep_ms returns: awaiting it queues the task at the tick computed by the call."""

    __slots__ = ("at",)

    def __init__(self, at):
        self.at = at

    def __await__(self):
        _run_queue.push(_current, self.at)
        yield

    __iter__ = __await__


def sleep_ms(t):
    if not isinstance(t, int):
        raise TypeError("can't convert %s to int" % type(t).__name__)
    return _Sleep(_ticks() + max(0, t))


def sleep(t):
    return sleep_ms(int(t * 1000))


# ---- Streams waiting on the poll ----


class _IOQueue:
    """The streams tasks wait on, in one select.poll: each stream has at most one task waiting
    to read and one waiting to write, and is registered only while one waits."""

    __slots__ = ("poller", "streams")

    def __init__(self):
        self.poller = _select.poll()
        self.streams = {}  # id(stream) -> [reading task, writing task, stream]

    def enqueue(self, stream, index):
        entry = self.streams.get(id(stream))
        if entry is None:
            entry = [None, None, stream]
            entry[index] = _current
            self.streams[id(stream)] = entry
            self.poller.register(stream, _POLLIN if index == 0 else _POLLOUT)
        else:
            entry[index] = _current
            self.poller.modify(stream, _POLLIN | _POLLOUT)
        _current._blocker = self

    def _forget(self, stream):
        del self.streams[id(stream)]
        self.poller.unregister(stream)

    def remove(self, task):
        for entry in list(self.streams.values()):
            if entry[0] is task or entry[1] is task:
                self._forget(entry[2])

    def wait(self, timeout_ms):
        """Polls the streams (waiting up to timeout_ms, -1 forever) and queues the tasks whose
        stream is ready. An error or hang-up wakes both directions."""
        streams = self.streams
        for stream, events in self.poller.ipoll(timeout_ms):
            entry = streams[id(stream)]
            if events & ~_POLLOUT and entry[0] is not None:
                _run_queue.push(entry[0])
                entry[0] = None
            if events & ~_POLLIN and entry[1] is not None:
                _run_queue.push(entry[1])
                entry[1] = None
            if entry[0] is None and entry[1] is None:
                self._forget(stream)
            elif entry[0] is None:
                self.poller.modify(stream, _POLLOUT)
            else:
                self.poller.modify(stream, _POLLIN)


@types.coroutine
def _wait_readable(stream):
    _io_queue.enqueue(stream, 0)
    yield


@types.coroutine
def _wait_writable(stream):
    _io_queue.enqueue(stream, 1)
    yield


# ---- The scheduler ----

_ENDINGS = (CancelledError, Exception)  # what ends a task; anything else ends the loop
_QUIET_ENDINGS = (CancelledError, StopIteration)  # not reported when nobody awaits the task


def _run_until_complete(main=None):
    """Runs tasks until `main` ends (its result, or its exception raised) or, without a main
    task, until nothing is left to run or wait for."""
    global _current
    while True:
        # Wait for the head of the run queue to be due, polling the streams meanwhile. (The
        # queue's head and pop, inline: this is the loop every task step goes round.)
        heap = _run_queue.heap
        io = _io_queue
        while True:
            while heap and heap[0][2] is None:
                heappop(heap)
            if heap:
                timeout = heap[0][0] - _monotonic_ns() // 1_000_000
                if timeout <= 0:
                    if io.streams:
                        io.wait(0)  # queues what is ready behind the head, which stays first
                    break
            elif io.streams:
                timeout = -1
            else:
                _current = None
                if main is None or main._done:
                    return None
                # Nothing can wake the loop, yet it may not return (the camera keeps polling).
                timeout = -1
            io.wait(timeout)

        task = heappop(heap)[2]
        task._entry = None
        _current = task
        try:
            if task._done:
                # It ended with an exception and was queued again: report it unless someone
                # has awaited it since.
                if not task._seen:
                    Loop.call_exception_handler(
                        {
                            "message": "Task exception wasn't retrieved",
                            "exception": task._outcome,
                            "future": task,
                        }
                    )
                continue
            throw = task._throw
            if throw is None:
                task.coro.send(None)
            else:
                task._throw = None
                task.coro.throw(throw)
        except _ENDINGS as end:
            if task is main:
                _current = None
                task._done = True
                task._outcome = end
                task._seen = True
                if not isinstance(end, StopIteration):
                    raise
                _wake_awaiters(task, end)
                return end.value
            task._done = True
            task._outcome = end
            if not _wake_awaiters(task, end) and not isinstance(end, _QUIET_ENDINGS):
                _run_queue.push(task)  # reported when it comes round, unless awaited by then


def _wake_awaiters(task, end):
    """Tells whoever waits for `task` that it ended; False if nobody does."""
    callback = task._on_done
    if callback is not None:
        task._on_done = None
        task._seen = True
        callback(task, end)
        return True
    waiters = task._waiters
    if waiters:
        task._waiters = None
        task._seen = True
        for waiter in waiters:
            _run_queue.push(waiter)
        return True
    return task._seen


def run(coro):
    return _run_until_complete(create_task(coro))


async def _stopper():
    pass


class Loop:
    """The one event loop (get_event_loop() gives this class): functions, called on the class."""

    _exc_handler = None

    @staticmethod
    def create_task(coro):
        return create_task(coro)

    @staticmethod
    def run_forever():
        global _stop_task
        _stop_task = Task(_stopper())
        _run_until_complete(_stop_task)

    @staticmethod
    def run_until_complete(awaitable):
        return _run_until_complete(_promote_to_task(awaitable))

    @staticmethod
    def stop():
        global _stop_task
        if _stop_task is not None:
            _run_queue.push(_stop_task)
            _stop_task = None

    @staticmethod
    def close():
        pass

    @staticmethod
    def set_exception_handler(handler):
        Loop._exc_handler = handler

    @staticmethod
    def get_exception_handler():
        return Loop._exc_handler

    @staticmethod
    def default_exception_handler(loop, context):
        print(context["message"], file=sys.stderr)
        print("future:", context["future"], "coro=", context["future"].coro, file=sys.stderr)
        _print_exception(context["exception"], sys.stderr)

    @staticmethod
    def call_exception_handler(context):
        (Loop._exc_handler or Loop.default_exception_handler)(Loop, context)


def _print_exception(error, stream):
    """sys.print_exception, as the camera prints it, with the script's frames only."""
    from . import runner

    error.__traceback__ = runner.script_traceback(error.__traceback__)
    runner.print_micropython_traceback(error, stream)


def get_event_loop(runq_len=0, waitq_len=0):
    return Loop


def new_event_loop():
    """Forgets every task and stream wait: the one loop starts again (MicroPython has one)."""
    global _run_queue, _io_queue, _current, _stop_task
    _run_queue = _RunQueue()
    _io_queue = _IOQueue()
    _current = None
    _stop_task = None
    return Loop


# ---- wait_for and gather ----


async def _finish_and_wake(waiter, awaitable):
    """wait_for's runner: awaits `awaitable`, then, if `waiter` still sleeps out its timeout,
    wakes it with a CancelledError carrying (True, result) or (exception, None)."""
    try:
        result = await awaitable
        status = True
    except BaseException as error:  # noqa: BLE001 - handed to the waiter, whatever it is
        result = None
        status = error
    if waiter._blocker is None and waiter._throw is None and waiter.cancel():
        waiter._throw = CancelledError(status, result)


async def wait_for(aw, timeout, sleep=sleep):
    aw = _promote_to_task(aw)
    if timeout is None:
        return await aw
    runner_task = create_task(_finish_and_wake(_current, aw))
    try:
        await sleep(timeout)
    except CancelledError as woken:
        status = woken.args[0] if woken.args else None
        if status is None:  # cancelled from outside: cancel the awaitable too
            runner_task.cancel()
            raise
        if status is True:
            return woken.args[1]
        raise status from None
    runner_task.cancel()
    await runner_task
    raise TimeoutError


def wait_for_ms(aw, timeout):
    return wait_for(aw, timeout, sleep_ms)


async def gather(*aws, return_exceptions=False):
    if not aws:
        return []
    gather_task = _current
    tasks = [_promote_to_task(aw) for aw in aws]
    outcome = len(tasks)  # tasks still running, or the exception (or cancel) that ended the gather

    def done(task, end):
        nonlocal outcome
        if gather_task._blocker is not _Gathering:
            return  # already woken: by an earlier task's exception, or cancelled
        if not return_exceptions and not isinstance(end, StopIteration):
            outcome = end
        else:
            outcome -= 1
            if outcome:
                return
        _run_queue.push(gather_task)

    for task in tasks:
        if not task._done and (task._waiters or task._on_done is not None):
            raise RuntimeError("can't gather")
    # Tasks that ended before the gather count at once; one that failed ends it at once (unless
    # exceptions are returned), without a wait. Their exceptions are still reported as unseen.
    for task in tasks:
        if not task._done:
            task._on_done = done
        elif return_exceptions or isinstance(task._outcome, StopIteration):
            outcome -= 1
        else:
            outcome = task._outcome
            break

    cancel_all = False
    if isinstance(outcome, int) and outcome > 0:
        gather_task._blocker = _Gathering
        try:
            await _suspend()
        except CancelledError as cancelled:
            cancel_all = True
            outcome = cancelled

    results = []
    for task in tasks:
        if task._on_done is done:  # still running: no longer gathered
            task._on_done = None
            if cancel_all:
                task.cancel()
            results.append(task)
        elif isinstance(task._outcome, StopIteration):
            results.append(task._outcome.value)
        else:
            results.append(task._outcome)
    if outcome:
        raise outcome
    return results


# ---- Event, ThreadSafeFlag, Lock ----


class Event:
    def __init__(self):
        self.state = False
        self.waiting = _WaitQueue()

    def is_set(self):
        return self.state

    def set(self):
        # Only from the loop's own thread (ThreadSafeFlag is for other threads).
        waiting = self.waiting
        while waiting:
            _run_queue.push(waiting.popleft())
        self.state = True

    def clear(self):
        self.state = False

    async def wait(self):
        if not self.state:
            self.waiting.append(_current)
            _current._blocker = self.waiting
            await _suspend()
        return True


class _Doorbell:
    """A descriptor the loop's poll watches: ring() from any thread makes it readable."""

    def __init__(self):
        if hasattr(os, "eventfd"):
            self.read_fd = self.write_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        else:
            self.read_fd, self.write_fd = os.pipe()
            os.set_blocking(self.read_fd, False)
            os.set_blocking(self.write_fd, False)

    def ring(self):
        try:
            os.write(self.write_fd, (1).to_bytes(8, sys.byteorder))
        except BlockingIOError:
            pass  # already ringing

    def quiet(self):
        try:
            os.read(self.read_fd, 4096)
        except BlockingIOError:
            pass

    def close(self):
        for fd in {self.read_fd, self.write_fd}:
            os.close(fd)


class ThreadSafeFlag:
    """Set from another thread (or a scheduled callback) to wake one task waiting in wait();
    clears itself when wait() returns."""

    def __init__(self):
        self.state = 0
        self._bell = _Doorbell()

    def fileno(self):
        return self._bell.read_fd

    def set(self):
        self.state = 1  # before the ring: a waiter woken by the ring must see it
        self._bell.ring()

    def clear(self):
        self.state = 0
        self._bell.quiet()

    async def wait(self):
        while True:
            self._bell.quiet()  # before looking: a set() after the look rings again
            if self.state:
                break
            await _wait_readable(self)
        self.state = 0

    def __del__(self):
        bell = getattr(self, "_bell", None)
        if bell is not None:
            bell.close()


class Lock:
    def __init__(self):
        # 0 unlocked, 1 locked, or the task that will take it next (woken, not yet running)
        self.state = 0
        self.waiting = _WaitQueue()

    def locked(self):
        return self.state == 1

    def release(self):
        if self.state != 1:
            raise RuntimeError("Lock not acquired")
        if self.waiting:
            self.state = self.waiting.popleft()
            _run_queue.push(self.state)
        else:
            self.state = 0

    async def acquire(self):
        if self.state != 0:
            self.waiting.append(_current)
            _current._blocker = self.waiting
            try:
                await _suspend()
            except CancelledError:
                if self.state is _current:  # woken to take it, then cancelled: pass it on
                    self.state = 1
                    self.release()
                raise
        self.state = 1
        return True

    async def __aenter__(self):
        return await self.acquire()

    async def __aexit__(self, exc_type, exc, tb):
        return self.release()


# ---- Streams ----


class Stream:
    """A connection, for reading and writing both (StreamReader and StreamWriter are this
    class). `s` is the non-blocking socket (or TLS socket) underneath."""

    def __init__(self, s, e={}):  # noqa: B006 - shared and never written, as on the camera
        self.s = s
        self.e = e
        self.out_buf = b""

    def get_extra_info(self, v):
        return self.e[v]

    def close(self):
        pass

    async def wait_closed(self):
        self.s.close()

    async def read(self, n=-1):
        pieces = []
        while True:
            await _wait_readable(self.s)
            piece = self.s.read(n)
            if piece is not None:
                if n >= 0:
                    return piece
                if not piece:
                    return b"".join(pieces)
                pieces.append(piece)

    async def readinto(self, buf):
        await _wait_readable(self.s)
        return self.s.readinto(buf)

    async def readexactly(self, n):
        data = b""
        while n:
            await _wait_readable(self.s)
            piece = self.s.read(n)
            if piece is not None:
                if not piece:
                    raise EOFError
                data += piece
                n -= len(piece)
        return data

    async def readline(self):
        line = b""
        while True:
            await _wait_readable(self.s)
            piece = self.s.readline()  # reads what is there, up to the newline, without waiting
            if piece is None:
                continue
            line += piece
            if not piece or line[-1] == 10:
                return line

    def write(self, buf):
        """Writes what the socket takes now and keeps the rest for drain()."""
        if isinstance(buf, str):
            buf = buf.encode()
        if not self.out_buf:
            written = self.s.write(buf)
            if written == len(buf):
                return
            if written is not None:
                buf = buf[written:]
        self.out_buf += buf

    async def drain(self):
        if not self.out_buf:
            # Always yields, so a loop of write and drain cannot starve the other tasks.
            return await _yield_now()
        pending = memoryview(self.out_buf)
        offset = 0
        while offset < len(pending):
            await _wait_writable(self.s)
            written = self.s.write(pending[offset:])
            if written is not None:
                offset += written
        self.out_buf = b""

    # uasyncio's older names
    async def awrite(self, buf, off=0, sz=-1):
        if isinstance(buf, str):
            buf = buf.encode()
        if off != 0 or sz != -1:
            buf = memoryview(buf)
            if sz == -1:
                sz = len(buf)
            buf = buf[off : off + sz]
        self.write(buf)
        await self.drain()

    awritestr = awrite
    aclose = wait_closed


StreamReader = Stream
StreamWriter = Stream


# ---- TLS for streams: the script's own ssl module (the firmware's, over the emulated sockets) ----

_script_ssl = None  # set by make_module: gives the run's ssl module


def _ssl_module():
    if _script_ssl is not None:
        return _script_ssl()
    from . import modssl, modtls

    return modssl.make_module(modtls.make_module())


def _client_context(ssl):
    """ssl=True: a client context of the script's ssl module, which verifies nothing unless
    told to (ssl.SSLContext starts at CERT_NONE, as on the camera)."""
    if ssl is True:
        module = _ssl_module()
        return module.SSLContext(module.PROTOCOL_TLS_CLIENT)
    return ssl


async def open_connection(host, port, ssl=None, server_hostname=None):
    socket = _socket_module()
    family, kind, proto, _, address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(family, kind, proto)
    s.setblocking(False)
    try:
        s.connect(address)
    except OSError as error:
        if error.errno != _EINPROGRESS:
            raise
    if ssl:
        # The handshake is left to the stream's first read or write, which the poll drives: the
        # loop goes on while it runs, as on the camera.
        context = _client_context(ssl)
        s = context.wrap_socket(s, server_hostname=server_hostname or host, do_handshake_on_connect=False)
        s.setblocking(False)
    stream = Stream(s)
    await _wait_writable(s)  # connected, or failed: the first read or write says which
    return stream, stream


class Server:
    """What start_server returns; `async with` closes it."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        self.close()
        await self.wait_closed()

    def close(self):
        self.state = True  # closed on purpose: the serving task ends quietly
        self.task.cancel()

    async def wait_closed(self):
        await self.task

    async def _serve(self, s, cb, ssl):
        self.state = False
        while True:
            try:
                await _wait_readable(s)
            except CancelledError:
                s.close()
                if self.state:
                    return
                raise  # the task that started the server was cancelled
            try:
                s2, addr = s.accept()
            except Exception:  # noqa: BLE001, S112 - a failed accept is skipped, as on the camera
                continue
            if ssl:
                try:
                    s2 = ssl.wrap_socket(s2, server_side=True, do_handshake_on_connect=False)
                except OSError as error:  # this client is dropped; the server goes on
                    _print_exception(error, sys.stderr)
                    s2.close()
                    continue
            s2.setblocking(False)
            stream = Stream(s2, {"peername": addr})
            create_task(cb(stream, stream))


async def start_server(cb, host, port, backlog=5, ssl=None):
    socket = _socket_module()
    family = socket.getaddrinfo(host, port)[0]
    s = socket.socket(family[0])
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(family[-1])
    s.listen(backlog)
    server = Server()
    server.task = create_task(server._serve(s, cb, ssl))
    try:
        await sleep_ms(0)  # the serving task starts, so a close() from now on reaches it
    except CancelledError:
        server.task.cancel()
        raise
    return server


# ---- The module table (MicroPython's asyncio/__init__.py: core names plus the lazy ones) ----

_PUBLIC = (
    "CancelledError",
    "TimeoutError",
    "Task",
    "create_task",
    "current_task",
    "run",
    "sleep",
    "sleep_ms",
    "wait_for",
    "wait_for_ms",
    "gather",
    "Event",
    "ThreadSafeFlag",
    "Lock",
    "open_connection",
    "start_server",
    "StreamReader",
    "StreamWriter",
    "Loop",
    "get_event_loop",
    "new_event_loop",
    "__version__",
)


def make_module(name="asyncio", ssl_module=None):
    """The module for one script run, with a fresh loop on the current emulated stack;
    `ssl_module` gives the run's ssl module (for ssl=True)."""
    global _script_ssl
    _script_ssl = ssl_module
    new_event_loop()
    Loop._exc_handler = None
    module = types.ModuleType(name)
    for key in _PUBLIC:
        setattr(module, key, globals()[key])
    return module
