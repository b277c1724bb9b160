// The select module (MicroPython extmod/modselect.c): poll objects and select(). The Python
// surface is the table in define_select_module at the bottom.
#include "modselect.h"

#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "modsocket.h"
#include "mpsock/poller.h"
#include "py_errors.h"
#include "runtime.h"
#include "without_gil.h"

namespace mpsock::py {

namespace {

// A poll object: the core Poller plus the registered Python objects, kept alive and in order.
struct PyPoll {
  std::unique_ptr<Poller> poller;
  std::vector<pyb::object> objects;

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

// What can be polled: emulated sockets, and (as on the unix port) objects with a fileno()
// such as sys.stdin. Anything else is not a stream.
void add_object(PyPoll& poll, pyb::handle object, int events) {
  const Poller::Key key = PyPoll::key_of(object);
  if (pyb::isinstance<PySocket>(object)) {
    poll.poller->add_socket(key, pyb::cast<PySocket&>(object).socket, events);
  } else {
    int fd = -1;
    // A bare descriptor number is the unix port's extension; the firmware wants a stream.
    if (PyLong_Check(object.ptr()) && !current_stack()->profile().strict_surface) {
      fd = static_cast<int>(to_int(object));
    } else if (!PyLong_Check(object.ptr()) && pyb::hasattr(object, "fileno")) {
      pyb::object number = object.attr("fileno")();
      fd = static_cast<int>(to_int(number));
    } else {
      PyErr_SetString(PyExc_OSError, "stream operation not supported");
      throw pyb::error_already_set();
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

std::vector<Poller::Ready> run_poll(PyPoll& poll, int64_t timeout_ms, bool one_shot) {
  Result<std::vector<Poller::Ready>> ready = without_gil([&] { return poll.poller->poll(timeout_ms, one_shot); });
  return check(std::move(ready));
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
