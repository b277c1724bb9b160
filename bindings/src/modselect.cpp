// The select module (MicroPython extmod/modselect.c): poll objects and select(). The Python
// surface is the table in define_select_module at the bottom.
#include "modselect.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "modsocket.h"
#include "mpsock/deadline.h"
#include "mpsock/poller.h"
#include "py_errors.h"
#include "runtime.h"
#include "without_gil.h"

namespace mpsock::py {

namespace {

// MicroPython's stream ioctl request that asks a stream what it is ready for (py/stream.h).
constexpr int kStreamPoll = 3;
// How deep a stream's "wait on this" may point through other streams (a TLS socket over a
// stream over a socket); a cycle ends here.
constexpr int kMaxWaitDepth = 8;
// A stream that names nothing to wait on is asked again after this long at most (MicroPython
// asks every registered stream each time round its poll loop); the pause doubles up to the
// limit while the stream stays quiet, so a quiet wait costs no CPU to speak of.
constexpr int64_t kQuietStreamFirstMs = 1;
constexpr int64_t kQuietStreamMaxMs = 20;

// A poll object: the core Poller plus the registered Python objects, kept alive and in order.
struct PyPoll {
  std::unique_ptr<Poller> poller;
  std::vector<pyb::object> objects;
  bool has_streams = false;

  PyPoll() : poller(std::make_unique<Poller>(current_stack())) {}
  ~PyPoll() {
    if (!_Py_IsFinalizing()) without_gil_do([&] { poller.reset(); });
  }

  static Poller::Key key_of(pyb::handle object) { return reinterpret_cast<Poller::Key>(object.ptr()); }

  pyb::object object_for(Poller::Key key) const {
    for (const auto& object : objects) {
      if (key_of(object) == key) return object;
    }
    return pyb::none();
  }
};

[[noreturn]] void not_a_stream() {
  PyErr_SetString(PyExc_OSError, "stream operation not supported");
  throw pyb::error_already_set();
}

// A Python-level stream: the emulator's own streams answer `_mp_ioctl` (a TLS socket, whose
// ioctl the firmware does not show to scripts); a script's class answers `ioctl(req, arg)`,
// as MicroPython polls any object with a stream ioctl.
pyb::object ioctl_of(pyb::handle object) {
  if (pyb::hasattr(object, "_mp_ioctl")) return object.attr("_mp_ioctl");
  if (pyb::hasattr(object, "ioctl")) return object.attr("ioctl");
  return pyb::none();
}

bool is_python_stream(pyb::handle object) {
  return !ioctl_of(object).is_none();
}

// What can be polled: emulated sockets, Python-level streams and (as on the unix port)
// objects with a fileno() such as sys.stdin. Anything else is not a stream.
void add_object(PyPoll& poll, pyb::handle object, int events) {
  const Poller::Key key = PyPoll::key_of(object);
  if (pyb::isinstance<PySocket>(object)) {
    poll.poller->add_socket(key, pyb::cast<PySocket&>(object).socket, events);
  } else if (!PyLong_Check(object.ptr()) && is_python_stream(object)) {
    poll.poller->add_stream(key, events);
    poll.has_streams = true;
  } else {
    int fd = -1;
    // A bare descriptor number is the unix port's extension; the firmware wants a stream.
    if (PyLong_Check(object.ptr()) && !current_stack()->profile().strict_surface) {
      fd = static_cast<int>(to_int(object));
    } else if (!PyLong_Check(object.ptr()) && pyb::hasattr(object, "fileno")) {
      pyb::object number = object.attr("fileno")();
      fd = static_cast<int>(to_int(number));
    } else {
      not_a_stream();
    }
    poll.poller->add_fd(key, fd, events);
  }
  for (const auto& known : poll.objects) {
    if (known.ptr() == object.ptr()) return;
  }
  poll.objects.push_back(pyb::reinterpret_borrow<pyb::object>(object));
}

int64_t timeout_ms_of(pyb::handle timeout) {
  if (timeout.is_none()) return -1;
  const int64_t ms = to_int(timeout);
  return ms < 0 ? -1 : ms;
}

// The wait a not-ready stream asks for: `_mp_poll_target(events)` names the object whose
// readiness would change its answer, and the events to watch there, or None. Resolved down to
// an emulated socket; nothing when it ends elsewhere.
std::optional<Poller::Wake> wait_target(pyb::handle object, int events, int depth = 0) {
  if (pyb::isinstance<PySocket>(object))
    return Poller::Wake{pyb::cast<PySocket&>(object).socket, events};
  if (depth >= kMaxWaitDepth || !pyb::hasattr(object, "_mp_poll_target")) return std::nullopt;
  pyb::object target = object.attr("_mp_poll_target")(events);
  if (target.is_none()) return std::nullopt;
  pyb::tuple pair = pyb::reinterpret_borrow<pyb::tuple>(target);
  if (!PyTuple_Check(target.ptr()) || pair.size() != 2) {
    PyErr_SetString(PyExc_TypeError, "_mp_poll_target must return (stream, events) or None");
    throw pyb::error_already_set();
  }
  return wait_target(pair[0], static_cast<int>(to_int(pair[1])), depth + 1);
}

}  // namespace

// One object's readiness for `events`, as modselect asks each registered object.
int stream_poll(pyb::handle object, int events) {
  if (pyb::isinstance<PySocket>(object)) {
    std::shared_ptr<Socket> socket = pyb::cast<PySocket&>(object).socket;
    return without_gil([&] { return socket->poll(events); });
  }
  pyb::object ioctl = PyLong_Check(object.ptr()) ? pyb::none() : ioctl_of(object);
  if (!ioctl.is_none()) {
    // A user stream's ioctl returns the ready bits, or a negative errno (py/objtype.c).
    const int64_t answer = to_int(ioctl(kStreamPoll, events));
    if (answer < 0) raise(Error::os(static_cast<int>(-answer)));
    return static_cast<int>(answer);
  }
  PyPoll single;
  add_object(single, object, events);
  std::vector<Poller::Ready> ready =
      check(without_gil([&] { return single.poller->poll(0, false); }));
  return ready.empty() ? 0 : ready[0].events;
}

namespace {

std::vector<Poller::Ready> run_poll(PyPoll& poll, int64_t timeout_ms, bool one_shot) {
  if (!poll.has_streams) {
    Result<std::vector<Poller::Ready>> ready =
        without_gil([&] { return poll.poller->poll(timeout_ms, one_shot); });
    return check(std::move(ready));
  }
  // Python-level streams are asked here, with the GIL; the core waits, without it, until a
  // socket is ready, a not-ready stream's socket changes, or the time is up; then the streams
  // are asked again.
  const Deadline deadline = Deadline::from_timeout_ms(timeout_ms);
  int64_t quiet_ms = kQuietStreamFirstMs;
  int early_wakes = 0;  // waits a named socket ended while its stream still said "not ready"
  for (;;) {
    std::vector<Poller::Ready> streams_ready;
    std::vector<Poller::Wake> wake_on;
    bool quiet_stream = false;
    for (const Poller::Ready& stream : poll.poller->streams()) {
      pyb::object object = poll.object_for(stream.key);
      const int events = stream_poll(object, stream.events);
      if (events != 0) {
        streams_ready.push_back(Poller::Ready{stream.key, events});
        continue;
      }
      std::optional<Poller::Wake> wake = wait_target(object, stream.events);
      if (wake) {
        wake_on.push_back(std::move(*wake));
      } else {
        quiet_stream = true;
      }
    }
    // A stream that names a socket to wait on but still says "not ready" once that socket is
    // ready would end every wait at once: after two such wake-ups its socket is no longer
    // watched, and the stream is asked again after a pause, like one that names nothing.
    if (early_wakes >= 2 && !wake_on.empty()) {
      wake_on.clear();
      quiet_stream = true;
    }
    int64_t wait_ms = deadline.poll_timeout_ms();
    if (quiet_stream && (wait_ms < 0 || wait_ms > quiet_ms)) {
      wait_ms = quiet_ms;
      quiet_ms = std::min(quiet_ms * 2, kQuietStreamMaxMs);
    }
    const Deadline wait_end = Deadline::from_timeout_ms(wait_ms);
    Result<std::vector<Poller::Ready>> ready =
        without_gil([&] { return poll.poller->poll(wait_ms, one_shot, streams_ready, wake_on); });
    std::vector<Poller::Ready> found = check(std::move(ready));
    if (!found.empty() || timeout_ms == 0 || deadline.expired()) return found;
    if (!wake_on.empty() && !wait_end.expired()) ++early_wakes;
  }
}

void poll_register(PyPoll& poll, pyb::handle object, pyb::args mask) {
  const int events = mask.size() > 0 ? static_cast<int>(to_int(mask[0])) : (MP_POLLIN | MP_POLLOUT);
  add_object(poll, object, events);
}

void poll_unregister(PyPoll& poll, pyb::handle object) {
  const Poller::Key key = PyPoll::key_of(object);
  without_gil_do([&] { poll.poller->remove(key); });
  for (auto it = poll.objects.begin(); it != poll.objects.end(); ++it) {
    if (it->ptr() == object.ptr()) {
      poll.objects.erase(it);
      break;
    }
  }
}

void poll_modify(PyPoll& poll, pyb::handle object, pyb::handle mask) {
  if (!poll.poller->modify(PyPoll::key_of(object), static_cast<int>(to_int(mask)))) {
    raise(Error::os(MP_ENOENT));
  }
}

pyb::list poll_poll(PyPoll& poll, pyb::args args) {
  const int64_t timeout = args.size() > 0 ? timeout_ms_of(args[0]) : -1;
  pyb::list result;
  for (const Poller::Ready& ready : run_poll(poll, timeout, false)) {
    result.append(pyb::make_tuple(poll.object_for(ready.key), ready.events));
  }
  return result;
}

// ipoll's iterator: like modselect's, it yields one 2-tuple over and over, filled in place for
// each ready object, so a script that keeps a yielded tuple sees it change, as on the camera.
struct ReusedTupleIterator {
  std::vector<std::pair<pyb::object, int>> ready;
  size_t next = 0;
  pyb::tuple reused = pyb::reinterpret_steal<pyb::tuple>(PyTuple_New(2));

  pyb::object advance() {
    if (next >= ready.size()) throw pyb::stop_iteration();
    auto& [object, events] = ready[next++];
    PyObject* tuple = reused.ptr();
    // The tuple is ours and refilled in place, as modselect's poll_iternext refills its own.
    for (int i = 0; i < 2; ++i) {
      PyObject* item = i == 0 ? object.inc_ref().ptr() : PyLong_FromLong(events);
      PyObject* old = PyTuple_GET_ITEM(tuple, i);
      PyTuple_SET_ITEM(tuple, i, item);
      Py_XDECREF(old);
    }
    if (!PyObject_GC_IsTracked(tuple)) PyObject_GC_Track(tuple);
    return reused;
  }
};

// ipoll(timeout=-1, flags=0): an iterator over the ready objects; flags=1 is one-shot.
ReusedTupleIterator poll_ipoll(PyPoll& poll, pyb::args args) {
  const int64_t timeout = args.size() > 0 ? timeout_ms_of(args[0]) : -1;
  const bool one_shot = args.size() > 1 && (to_int(args[1]) & 1) != 0;
  ReusedTupleIterator iterator;
  for (const Poller::Ready& ready : run_poll(poll, timeout, one_shot)) {
    iterator.ready.emplace_back(poll.object_for(ready.key), ready.events);
  }
  return iterator;
}

// select(rlist, wlist, xlist[, timeout]): timeout in seconds, None waits forever.
pyb::tuple select_select(pyb::args args) {
  if (args.size() < 3 || args.size() > 4) {
    PyErr_Format(PyExc_TypeError, "function expected 3 or 4 arguments, got %zu", args.size());
    throw pyb::error_already_set();
  }
  const int64_t timeout_ms = args.size() == 4 ? seconds_to_ms(args[3]) : -1;
  PyPoll poll;
  const int masks[3] = {MP_POLLIN, MP_POLLOUT, MP_POLLERR | MP_POLLHUP};
  std::vector<std::pair<pyb::object, int>> wanted;
  for (int list = 0; list < 3; ++list) {
    for (pyb::handle object : pyb::iter(args[list])) {
      bool found = false;
      for (auto& entry : wanted) {
        if (entry.first.ptr() == object.ptr()) {
          entry.second |= masks[list];
          found = true;
        }
      }
      if (!found) wanted.emplace_back(pyb::reinterpret_borrow<pyb::object>(object), masks[list]);
    }
  }
  for (const auto& entry : wanted) add_object(poll, entry.first, entry.second);
  pyb::list readable, writable, exceptional;
  for (const Poller::Ready& ready : run_poll(poll, timeout_ms, false)) {
    pyb::object object = poll.object_for(ready.key);
    if (ready.events & MP_POLLIN) readable.append(object);
    if (ready.events & MP_POLLOUT) writable.append(object);
    if (ready.events & (MP_POLLERR | MP_POLLHUP)) exceptional.append(object);
  }
  return pyb::make_tuple(readable, writable, exceptional);
}

}  // namespace

void define_select_module(pyb::module_& m) {
  m.attr("__name__") = "select";

  // ---- The module table (modselect mp_module_select_globals_table) ----
  m.attr("POLLIN") = MP_POLLIN;
  m.attr("POLLOUT") = MP_POLLOUT;
  m.attr("POLLERR") = MP_POLLERR;
  m.attr("POLLHUP") = MP_POLLHUP;
  m.def("select", &select_select);

  pyb::class_<ReusedTupleIterator>(m, "poll_iterator")
      .def("__iter__", [](pyb::object self) { return self; })
      .def("__next__", &ReusedTupleIterator::advance);

  pyb::class_<PyPoll>(m, "poll")
      .def(pyb::init<>())
      .def("register", &poll_register)
      .def("unregister", &poll_unregister)
      .def("modify", &poll_modify)
      .def("poll", &poll_poll)
      .def("ipoll", &poll_ipoll);
}

}  // namespace mpsock::py
