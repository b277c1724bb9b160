// The socket module, as the camera's firmware shows it (MicroPython extmod/modlwip.c). The
// module's whole Python surface is the table in define_socket_module at the bottom; the
// semantics live in the emulator core, this file only converts and releases the GIL.
#include "modsocket.h"

#include <pybind11/stl.h>

#include <climits>
#include <cmath>
#include <string>
#include <string_view>

#include "dropped_sockets.h"
#include "mpsock/resolver.h"
#include "mpsock/stack.h"
#include "py_errors.h"
#include "without_gil.h"

namespace mpsock::py {

namespace {


// Payloads are read into Python bytes in pieces of at most this much.
constexpr size_t kReadPiece = 1 << 20;

// The PySocket inside a Python socket. pybind11's cast looks the type up in its registry on
// every call (a few hundred instructions, as much as the rest of a send); a socket object is
// always laid out simply (one C++ class, PySocket or PyDesktopSocket, which adds no member),
// so its value pointer is read directly. Anything else goes through the cast, which raises
// what it raises.
// The firmware's socket class (the desktop one derives from it), once defined.
PyTypeObject* socket_type = nullptr;

// Null when the object's __init__ never ran: a subclass whose own __init__ did not call
// socket's (pybind11 raises TypeError for it, then the object is finalized).
PySocket* initialized_socket(pyb::handle self) {
  PySocket* socket = nullptr;
  auto* instance = reinterpret_cast<pyb::detail::instance*>(self.ptr());  // read once type-checked
  if (socket_type != nullptr && PyObject_TypeCheck(self.ptr(), socket_type) && instance->simple_layout) {
    if (instance->simple_holder_constructed) socket = static_cast<PySocket*>(instance->simple_value_holder[0]);
  } else {
    socket = &pyb::cast<PySocket&>(self);
  }
  return socket != nullptr && socket->socket ? socket : nullptr;
}

PySocket& self_of(pyb::handle self) {
  PySocket* socket = initialized_socket(self);
  if (socket == nullptr) {
    PyErr_SetString(PyExc_TypeError, "socket.__init__() was not called");
    throw pyb::error_already_set();
  }
  return *socket;
}

Socket& core(pyb::handle self) {
  PySocket& s = self_of(self);
  return *s.socket;
}

// lwip_parse_inet_addr: a (host, port) tuple or list with a numeric host; IPv6 profiles also
// take (host, port, flowinfo, scopeid).
Endpoint parse_endpoint(pyb::handle address, bool ipv6) {
  if (!PyTuple_Check(address.ptr()) && !PyList_Check(address.ptr())) {
    PyErr_Format(PyExc_TypeError, "object '%s' isn't a tuple or list", Py_TYPE(address.ptr())->tp_name);
    throw pyb::error_already_set();
  }
  // Borrowed items: nothing below runs Python code while they are held.
  PyObject* raw = address.ptr();
  const bool tuple = PyTuple_Check(raw);
  const size_t n = static_cast<size_t>(tuple ? PyTuple_GET_SIZE(raw) : PyList_GET_SIZE(raw));
  auto item = [&](size_t i) { return pyb::handle(tuple ? PyTuple_GET_ITEM(raw, i) : PyList_GET_ITEM(raw, i)); };
  if (n != 2 && !(ipv6 && n == 4)) {
    PyErr_SetString(PyExc_ValueError, "tuple/list has wrong length");
    throw pyb::error_already_set();
  }
  PyObject* host = item(0).ptr();
  std::string_view text;
  if (PyUnicode_Check(host)) {
    Py_ssize_t length = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(host, &length);  // kept by the str: no copy
    if (utf8 == nullptr) throw pyb::error_already_set();
    text = std::string_view(utf8, static_cast<size_t>(length));
  } else if (PyBytes_Check(host)) {
    text = std::string_view(PyBytes_AS_STRING(host), static_cast<size_t>(PyBytes_GET_SIZE(host)));
  } else {
    PyErr_Format(PyExc_TypeError, "can't convert '%s' object to str implicitly", Py_TYPE(host)->tp_name);
    throw pyb::error_already_set();
  }
  const int64_t port = to_int(item(1));
  std::optional<IpAddress> ip = IpAddress::parse(text, ipv6);
  if (!ip) {
    // A host name here is an error on the camera: resolve it with getaddrinfo first.
    PyErr_SetString(PyExc_ValueError, "invalid arguments");
    throw pyb::error_already_set();
  }
  if (port < 0 || port > 65535) {
    // lwIP would truncate the port to 16 bits; the emulator refuses it instead.
    PyErr_SetString(PyExc_ValueError, "port must be 0-65535");
    throw pyb::error_already_set();
  }
  if (n == 4) {
    if (to_int(item(2)) != 0) {
      PyErr_SetString(PyExc_ValueError, "flowinfo must be 0");
      throw pyb::error_already_set();
    }
    const int64_t scope = to_int(item(3));
    if (scope < 0 || scope > UINT32_MAX) {
      PyErr_SetString(PyExc_ValueError, "scope id out of range");
      throw pyb::error_already_set();
    }
    if (ip->family == MP_AF_INET6) ip->scope_id = static_cast<uint32_t>(scope);
  }
  return Endpoint{*ip, static_cast<uint16_t>(port)};
}

// lwip_format_inet_addr: always a 2-tuple.
pyb::tuple format_endpoint(const Endpoint& endpoint) {
  return pyb::make_tuple(endpoint.ip.to_string(), endpoint.port);
}

bool ipv6_for(pyb::handle self) { return core(self).limits().ipv6; }

// Python bytes of up to `capacity` bytes filled by `fill(buffer, capacity)` with the GIL
// released, then cut to what was filled.
template <class Fill>
pyb::bytes receive_bytes(size_t capacity, Fill fill) {
  PyObject* raw = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(capacity));
  if (raw == nullptr) throw pyb::error_already_set();
  pyb::object bytes = pyb::reinterpret_steal<pyb::object>(raw);
  auto* data = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(raw));
  Result<size_t> got = without_gil([&] { return fill(data, capacity); });
  if (!got) raise(got.error());
  if (*got != capacity) {
    PyObject* shrunk = bytes.release().ptr();
    if (_PyBytes_Resize(&shrunk, static_cast<Py_ssize_t>(*got)) != 0) throw pyb::error_already_set();
    return pyb::reinterpret_steal<pyb::bytes>(shrunk);
  }
  return pyb::reinterpret_steal<pyb::bytes>(bytes.release());
}

// The most one receive can return: a segment for TCP, a datagram for UDP.
size_t receive_capacity(Socket& socket, int64_t requested) {
  const size_t most = socket.type() == MP_SOCK_STREAM ? socket.limits().tcp_mss : kMaxUdpPayload;
  return std::min(static_cast<size_t>(requested), most);
}

int64_t checked_size(pyb::handle value, const char* what) {
  const int64_t n = to_int(value);
  if (n < 0) {
    PyErr_Format(PyExc_ValueError, "negative %s", what);
    throw pyb::error_already_set();
  }
  return n;
}

// ---- Methods ----

pyb::object make_python_socket(bool desktop, std::shared_ptr<Socket> socket) {
  if (desktop) return pyb::cast(new PyDesktopSocket(std::move(socket)), pyb::return_value_policy::take_ownership);
  return pyb::cast(new PySocket(std::move(socket)), pyb::return_value_policy::take_ownership);
}

bool is_desktop(pyb::handle self) { return pyb::isinstance<PyDesktopSocket>(self); }

void socket_close(pyb::handle self) {
  PySocket& s = self_of(self);
  without_gil_do([&] { s.socket->close(); });
  unregister_callback(s.callback);
  s.callback.reset();
}

// __del__: a socket whose __init__ never ran has nothing to close.
void socket_finalize(pyb::handle self) {
  if (initialized_socket(self) != nullptr) socket_close(self);
}

void socket_bind(pyb::handle self, pyb::handle address) {
  const Endpoint local = parse_endpoint(address, ipv6_for(self));
  Socket& s = core(self);
  check(without_gil([&] { return s.bind(local); }));
}

void socket_listen(pyb::handle self, pyb::args args) {
  if (args.size() > 1) {
    PyErr_SetString(PyExc_TypeError, "listen() takes at most 1 argument");
    throw pyb::error_already_set();
  }
  Socket& s = core(self);
  const int64_t backlog = args.size() == 1 ? to_int(args[0]) : s.limits().listen_backlog;
  const int clamped = backlog < 0 ? 0 : (backlog > 255 ? 255 : static_cast<int>(backlog));  // lwIP's u8_t
  check(without_gil([&] { return s.listen(clamped); }));
}

pyb::tuple socket_accept(pyb::handle self) {
  Socket& s = core(self);
  Accepted accepted = check(without_gil([&] { return s.accept(); }));
  pyb::object child = make_python_socket(is_desktop(self), std::move(accepted.socket));
  return pyb::make_tuple(child, format_endpoint(accepted.peer));
}

void socket_connect(pyb::handle self, pyb::handle address) {
  const Endpoint remote = parse_endpoint(address, ipv6_for(self));
  Socket& s = core(self);
  check(without_gil([&] { return s.connect(remote); }));
}

size_t socket_send(pyb::handle self, pyb::handle data) {
  Buffer buffer;
  get_read_buffer(data, &buffer);
  Socket& s = core(self);
  return check(without_gil([&] { return s.send(buffer.data, buffer.size); }));
}

void socket_sendall(pyb::handle self, pyb::handle data) {
  Buffer buffer;
  get_read_buffer(data, &buffer);
  Socket& s = core(self);
  check(without_gil([&] { return s.sendall(buffer.data, buffer.size); }));
}

AddressMemo& address_memo(PySocket& socket) {
  if (!socket.addresses) socket.addresses = std::make_unique<AddressMemo>();
  return *socket.addresses;
}

// parse_endpoint, skipped when the (host, port) pair names the host object and port of the
// socket's last destination: a client sends to one address over and over.
Endpoint destination(PySocket& socket, pyb::handle address, bool ipv6) {
  AddressMemo& memo = address_memo(socket);
  PyObject* raw = address.ptr();
  // Only a 2-tuple's str or bytes host is remembered: a list's item can be replaced.
  const bool pair = PyTuple_CheckExact(raw) && PyTuple_GET_SIZE(raw) == 2;
  if (pair && memo.sent_to_host && PyTuple_GET_ITEM(raw, 0) == memo.sent_to_host.ptr()) {
    PyObject* port = PyTuple_GET_ITEM(raw, 1);
    int overflow = 0;  // an int too big for long long is not the port, and raises nothing here
    if (PyLong_CheckExact(port) && PyLong_AsLongLongAndOverflow(port, &overflow) == memo.sent_to_port) {
      return memo.sent_to;
    }
  }
  memo.sent_to = parse_endpoint(address, ipv6);
  if (pair) {
    memo.sent_to_host = pyb::reinterpret_borrow<pyb::object>(PyTuple_GET_ITEM(raw, 0));
    memo.sent_to_port = memo.sent_to.port;
  } else {
    memo.sent_to_host = pyb::object();
  }
  return memo.sent_to;
}

// format_endpoint for recvfrom, made again only when the sender changes.
pyb::object sender_tuple(PySocket& socket, const Endpoint& from) {
  AddressMemo& memo = address_memo(socket);
  if (!memo.heard_from_tuple || !(memo.heard_from == from)) {
    memo.heard_from_tuple = format_endpoint(from);
    memo.heard_from = from;
  }
  return memo.heard_from_tuple;
}

size_t socket_sendto(pyb::handle self, pyb::handle data, pyb::handle address) {
  Buffer buffer;
  get_read_buffer(data, &buffer);
  PySocket& py_socket = self_of(self);
  Socket& s = *py_socket.socket;
  const Endpoint to = destination(py_socket, address, s.limits().ipv6);
  return check(without_gil([&] { return s.sendto(buffer.data, buffer.size, to); }));
}

// `flags`: the optional argument, or null when it was not given.
int flags_of(PyObject* flags) { return flags != nullptr ? static_cast<int>(to_int(flags)) : 0; }

// Before v1.26 recv and recvfrom take no flags (MP_DEFINE_CONST_FUN_OBJ_2).
void check_flags_taken(Socket& s, PyObject* flags) {
  if (flags != nullptr && !has_recv_flags(s.limits().micropython)) {
    PyErr_SetString(PyExc_TypeError, "function takes 2 positional arguments but 3 were given");
    throw pyb::error_already_set();
  }
}

pyb::bytes socket_recv(pyb::handle self, pyb::handle size, PyObject* flags) {
  check_flags_taken(core(self), flags);
  Socket& s = core(self);
  const int64_t n = checked_size(size, "buffersize in recv");
  const int f = flags_of(flags);
  return receive_bytes(receive_capacity(s, n), [&](uint8_t* data, size_t capacity) { return s.recv(data, capacity, f); });
}

pyb::tuple socket_recvfrom(pyb::handle self, pyb::handle size, PyObject* flags) {
  PySocket& py_socket = self_of(self);
  Socket& s = *py_socket.socket;
  check_flags_taken(s, flags);
  const int64_t n = checked_size(size, "buffersize in recvfrom");
  const int f = flags_of(flags);
  Endpoint from;
  pyb::bytes data = receive_bytes(receive_capacity(s, n), [&](uint8_t* buf, size_t capacity) {
    return s.recvfrom(buf, capacity, f, &from);
  });
  return pyb::make_tuple(data, sender_tuple(py_socket, from));
}

// ---- The calls of every message, without pybind11's dispatcher ----
//
// A request/response exchange is a send and a recv per message, and pybind11's dispatcher
// (loading each argument through its casters, trying overloads, a tuple for *args) costs as
// much again as the emulator's own work in them (and a connection's connect and close as
// much as theirs). So these are plain CPython methods (METH_FASTCALL) over the functions
// above, which raise what they raised.

// Runs `body` (which returns a pyb::object) and hands its result to CPython, or sets the
// Python error and returns null, as pybind11's dispatcher does.
template <class Body>
PyObject* python_call(Body body) {
  try {
    return body().release().ptr();
  } catch (pyb::error_already_set& e) {
    e.restore();
  } catch (...) {
    pyb::detail::try_translate_exceptions();
  }
  return nullptr;
}

// MicroPython's argument count check (mp_arg_check_num), self counted, as its messages count it.
void check_arguments(Py_ssize_t given, Py_ssize_t least, Py_ssize_t most) {
  given += 1;
  least += 1;
  most += 1;
  if (least == most && given != least) {
    PyErr_Format(PyExc_TypeError, "function takes %zd positional arguments but %zd were given", least, given);
    throw pyb::error_already_set();
  }
  if (given < least) {
    PyErr_Format(PyExc_TypeError, "function missing %zd required positional arguments", least - given);
    throw pyb::error_already_set();
  }
  if (given > most) {
    PyErr_Format(PyExc_TypeError, "function expected at most %zd arguments, got %zd", most, given);
    throw pyb::error_already_set();
  }
}

PyObject* method_connect(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  return python_call([&] {
    check_arguments(nargs, 1, 1);
    socket_connect(self, args[0]);
    return pyb::none();
  });
}

PyObject* method_close(PyObject* self, PyObject* const*, Py_ssize_t nargs) {
  return python_call([&] {
    check_arguments(nargs, 0, 0);
    socket_close(self);
    return pyb::none();
  });
}

PyObject* method_send(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  return python_call([&] {
    check_arguments(nargs, 1, 1);
    return pyb::int_(socket_send(self, args[0]));
  });
}

PyObject* method_sendall(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  return python_call([&] {
    check_arguments(nargs, 1, 1);
    socket_sendall(self, args[0]);
    return pyb::none();
  });
}

PyObject* method_sendto(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  return python_call([&] {
    check_arguments(nargs, 2, 2);
    return pyb::int_(socket_sendto(self, args[0], args[1]));
  });
}

PyObject* method_recv(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  return python_call([&] {
    check_arguments(nargs, 1, 2);
    return socket_recv(self, args[0], nargs > 1 ? args[1] : nullptr);
  });
}

PyObject* method_recvfrom(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  return python_call([&] {
    check_arguments(nargs, 1, 2);
    return socket_recvfrom(self, args[0], nargs > 1 ? args[1] : nullptr);
  });
}

template <class Function>
PyMethodDef fast_method(const char* name, Function function) {
  return PyMethodDef{name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(function)), METH_FASTCALL,
                     nullptr};
}

PyMethodDef message_methods[] = {
    fast_method("connect", &method_connect),   fast_method("close", &method_close),
    fast_method("send", &method_send),         fast_method("sendall", &method_sendall),
    fast_method("sendto", &method_sendto),     fast_method("recv", &method_recv),
    fast_method("recvfrom", &method_recvfrom),
};

// Puts `method` in the class's dictionary, as a method descriptor (which checks self's type).
void add_method(pyb::handle cls, PyMethodDef& method) {
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  pyb::object descriptor = pyb::reinterpret_steal<pyb::object>(PyDescr_NewMethod(type, &method));
  if (!descriptor || PyObject_SetAttrString(cls.ptr(), method.ml_name, descriptor.ptr()) != 0) {
    throw pyb::error_already_set();
  }
}

// lwip_socket_settimeout: seconds in, milliseconds stored (truncated). The camera stores a
// negative timeout as a huge unsigned number; the emulator refuses it instead.
void socket_settimeout(pyb::handle self, pyb::handle value) { core(self).set_timeout_ms(seconds_to_ms(value)); }

void socket_setblocking(pyb::handle self, pyb::handle flag) {
  const int truth = PyObject_IsTrue(flag.ptr());
  if (truth < 0) throw pyb::error_already_set();
  core(self).set_timeout_ms(truth ? -1 : 0);
}

// lwip_socket_setsockopt(level, option, value): the level is not looked at.
void socket_setsockopt(pyb::handle self, pyb::handle level_in, pyb::handle option_in, pyb::handle value) {
  // The firmware never looks at the level (any object will do); the trace keeps it when it
  // is a number that fits.
  int level = -1;
  if (PyLong_Check(level_in.ptr())) {
    int overflow = 0;
    const long long value = PyLong_AsLongLongAndOverflow(level_in.ptr(), &overflow);
    if (overflow == 0 && value >= INT_MIN && value <= INT_MAX) level = static_cast<int>(value);
    PyErr_Clear();
  }
  PySocket& py_socket = self_of(self);
  const int64_t option = to_int(option_in);
  if (option == MP_SO_CALLBACK) {
    if (!value.is_none() && !PyCallable_Check(value.ptr())) {
      PyErr_SetString(PyExc_TypeError, "callback must be callable or None");
      throw pyb::error_already_set();
    }
    unregister_callback(py_socket.callback);
    py_socket.callback.reset();
    std::function<void()> hook;
    if (!value.is_none()) {
      py_socket.callback = register_callback(self.ptr(), pyb::reinterpret_borrow<pyb::object>(value));
      hook = callback_hook(py_socket.callback);
    }
    without_gil_do([&] { py_socket.socket->set_event_hook(std::move(hook)); });
    return;
  }
  OptionValue converted = int64_t{0};
  if (option < INT_MIN || option > INT_MAX || !py_socket.socket->knows_option(static_cast<int>(option))) {
    // modlwip's default case never looks at the value: only the warning is printed.
  } else if (PyLong_Check(value.ptr())) {
    converted = to_int(value);
  } else if (has_buffer(value)) {
    Buffer buffer;
    get_read_buffer(value, &buffer);
    converted = std::vector<uint8_t>(buffer.data, buffer.data + buffer.size);
  } else {
    PyErr_Format(PyExc_TypeError, "can't convert %s to int", Py_TYPE(value.ptr())->tp_name);
    throw pyb::error_already_set();
  }
  Socket& s = *py_socket.socket;
  const OptionOutcome outcome = check(without_gil([&] { return s.set_option(level, static_cast<int>(option), converted); }));
  if (outcome == OptionOutcome::not_implemented) {
    pyb::print("Warning: lwip.setsockopt() not implemented");
  }
}

pyb::object socket_makefile(pyb::handle self, pyb::args args) {
  if (args.size() > 2) {
    PyErr_SetString(PyExc_TypeError, "makefile() takes at most 2 arguments");
    throw pyb::error_already_set();
  }
  return pyb::reinterpret_borrow<pyb::object>(self);  // the socket is its own stream
}

// ---- Stream methods (py/stream.c) ----

pyb::object socket_read(pyb::handle self, pyb::args args) {
  Socket& s = core(self);
  const int64_t n = args.size() > 0 && !args[0].is_none() ? to_int(args[0]) : -1;
  if (n < 0) {
    std::optional<std::string> all = check(without_gil([&] { return s.read_all(); }));
    if (!all) return pyb::none();
    return pyb::bytes(*all);
  }
  // Read in pieces so read(huge) does not allocate huge up front; the semantics are those of
  // one read: a piece cut short by EOF or EAGAIN ends it.
  std::string data;
  while (static_cast<int64_t>(data.size()) < n) {
    const size_t piece = std::min(kReadPiece, static_cast<size_t>(n) - data.size());
    const size_t before = data.size();
    data.resize(before + piece);
    std::optional<size_t> got = check(without_gil([&] {
      return s.read(reinterpret_cast<uint8_t*>(&data[before]), piece);
    }));
    if (!got) {
      data.resize(before);
      if (before == 0) return pyb::none();
      break;
    }
    data.resize(before + *got);
    if (*got < piece) break;
  }
  return pyb::bytes(data);
}

pyb::object socket_readinto(pyb::handle self, pyb::handle target, pyb::args args) {
  Py_buffer view;
  if (PyObject_GetBuffer(target.ptr(), &view, PyBUF_WRITABLE) != 0) {
    PyErr_Clear();
    PyErr_SetString(PyExc_TypeError, "object with buffer protocol required");
    throw pyb::error_already_set();
  }
  struct Release {
    Py_buffer* view;
    ~Release() { PyBuffer_Release(view); }
  } release{&view};
  size_t len = static_cast<size_t>(view.len);
  if (args.size() > 0) {
    const int64_t n = to_int(args[0]);
    if (n >= 0 && static_cast<size_t>(n) < len) len = static_cast<size_t>(n);
  }
  Socket& s = core(self);
  std::optional<size_t> got = check(without_gil([&] { return s.read(static_cast<uint8_t*>(view.buf), len); }));
  if (!got) return pyb::none();
  return pyb::int_(*got);
}

pyb::object socket_readline(pyb::handle self, pyb::args args) {
  Socket& s = core(self);
  const int64_t max = args.size() > 0 && !args[0].is_none() ? to_int(args[0]) : -1;
  std::optional<std::string> line = check(without_gil([&] { return s.readline(max); }));
  if (!line) return pyb::none();
  return pyb::bytes(*line);
}

// write(buf), write(buf, max_len), write(buf, off, max_len), as stream_write_method.
pyb::object socket_write(pyb::handle self, pyb::handle data, pyb::args args) {
  Buffer buffer;
  get_read_buffer(data, &buffer);
  size_t offset = 0;
  size_t max_len = buffer.size;
  if (args.size() == 1) {
    max_len = static_cast<size_t>(to_int(args[0]));
  } else if (args.size() == 2) {
    offset = std::min(static_cast<size_t>(to_int(args[0])), buffer.size);
    max_len = static_cast<size_t>(to_int(args[1]));
  } else if (args.size() > 2) {
    PyErr_SetString(PyExc_TypeError, "write() takes at most 3 arguments");
    throw pyb::error_already_set();
  }
  const size_t len = std::min(buffer.size - offset, max_len);
  Socket& s = core(self);
  std::optional<size_t> written = check(without_gil([&] { return s.write(buffer.data + offset, len); }));
  if (!written) return pyb::none();
  return pyb::int_(*written);
}

// ---- getaddrinfo ----

pyb::list socket_getaddrinfo(pyb::args args) {
  if (args.size() < 2 || args.size() > 6) {
    PyErr_Format(PyExc_TypeError, "function expected 2 to 6 arguments, got %zu", args.size());
    throw pyb::error_already_set();
  }
  if (!PyUnicode_Check(args[0].ptr())) {
    PyErr_Format(PyExc_TypeError, "can't convert '%s' object to str implicitly", Py_TYPE(args[0].ptr())->tp_name);
    throw pyb::error_already_set();
  }
  const std::string host = args[0].cast<std::string>();
  const int64_t port = to_int(args[1]);
  int64_t constraints[4] = {0, 0, 0, 0};  // family, type, proto, flags
  for (size_t i = 2; i < args.size(); ++i) constraints[i - 2] = to_int(args[i]);
  const int64_t family = constraints[0];
  const bool supported = (family == 0 || family == MP_AF_INET || family == MP_AF_INET6) &&
                         (constraints[1] == 0 || constraints[1] == MP_SOCK_STREAM) &&
                         constraints[2] == 0 && constraints[3] == 0;
  if (!supported) {
    // lwIP resolves anyway; modlwip only warns, with mp_warning, which prints
    // "RuntimeWarning: ..." on the script's output every time (not once, not to stderr).
    pyb::print("RuntimeWarning: unsupported getaddrinfo constraints");
  }
  if (port < 0 || port > 65535) {
    PyErr_SetString(PyExc_ValueError, "port must be 0-65535");
    throw pyb::error_already_set();
  }
  auto stack = current_stack();
  const IpAddress ip = check(without_gil([&] { return stack->resolver().resolve(host, static_cast<int>(family)); }));
  // Always one entry, always AF_INET/SOCK_STREAM, whatever was asked (lwip_getaddrinfo).
  pyb::tuple entry = pyb::make_tuple(MP_AF_INET, MP_SOCK_STREAM, 0, "",
                                     format_endpoint(Endpoint{ip, static_cast<uint16_t>(port)}));
  pyb::list result;
  result.append(entry);
  return result;
}

// ---- The desktop profile's extras ----

pyb::tuple socket_getsockname(pyb::handle self) {
  Socket& s = core(self);
  return format_endpoint(check(without_gil([&] { return s.local_endpoint(); })));
}

pyb::tuple socket_getpeername(pyb::handle self) {
  Socket& s = core(self);
  return format_endpoint(check(without_gil([&] { return s.peer_endpoint(); })));
}

pyb::object socket_gettimeout(pyb::handle self) {
  const int64_t ms = core(self).recv_timeout_ms();
  if (ms < 0) return pyb::none();
  return pyb::float_(static_cast<double>(ms) / 1000.0);
}

template <class Class>
void define_firmware_methods(Class& cls) {
  cls.def("__del__", &socket_finalize)
      .def("bind", &socket_bind)
      .def("listen", &socket_listen)
      .def("accept", &socket_accept)
      .def("settimeout", &socket_settimeout)
      .def("setblocking", &socket_setblocking)
      .def("setsockopt", &socket_setsockopt)
      .def("makefile", &socket_makefile)
      .def("read", &socket_read)
      .def("readinto", &socket_readinto)
      .def("readline", &socket_readline)
      .def("write", &socket_write)
      .def("__repr__", [](pyb::handle self) { return core(self).repr(); });
  // connect, close, send, sendall, sendto, recv, recvfrom (see message_methods).
  for (PyMethodDef& method : message_methods) add_method(cls, method);
}

// socket(af=AF_INET, type=SOCK_STREAM, proto=0): the core socket for the constructor's
// arguments, a tuple and a dict or null.
std::shared_ptr<Socket> open_from_arguments(PyObject* args, PyObject* kwargs) {
  if (kwargs != nullptr && PyDict_GET_SIZE(kwargs) != 0) {
    PyErr_SetString(PyExc_TypeError, "function doesn't take keyword arguments");
    throw pyb::error_already_set();
  }
  const Py_ssize_t n = PyTuple_GET_SIZE(args);
  if (n > 4) {
    PyErr_Format(PyExc_TypeError, "function expected at most 4 arguments, got %zd", n);
    throw pyb::error_already_set();
  }
  const int64_t af = n > 0 ? to_int(PyTuple_GET_ITEM(args, 0)) : MP_AF_INET;
  const int64_t type = n > 1 ? to_int(PyTuple_GET_ITEM(args, 1)) : MP_SOCK_STREAM;
  const int64_t proto = n > 2 ? to_int(PyTuple_GET_ITEM(args, 2)) : 0;
  auto stack = current_stack();
  return check(stack->open_socket(static_cast<int>(af), static_cast<int>(type), static_cast<int>(proto)));
}

// The socket classes' tp_init. pybind11 reaches a constructor through the type's __init__
// attribute and its overload dispatcher, which packs the arguments into pybind11's own objects:
// about 1800 instructions and 240 code lines missed cold per socket (callgrind, cachegrind).
// This does what that path does for a `socket(...)` call (make the C++ object, then pybind11's
// init_instance makes its holder and registers it) straight from the call's tuple. A Python
// subclass of socket gets CPython's own tp_init, which calls the __init__ pybind11 defined.
template <class Value>
int init_directly(PyObject* self, PyObject* args, PyObject* kwargs) {
  try {
    static const pyb::detail::type_info* const type = pyb::detail::get_type_info(typeid(Value));
    auto* instance = reinterpret_cast<pyb::detail::instance*>(self);
    pyb::detail::value_and_holder holder = instance->get_value_and_holder(type);
    // As pybind11's dispatcher: a second __init__ of the same object is ignored.
    if (holder.instance_registered()) return 0;
    holder.value_ptr() = new Value(open_from_arguments(args, kwargs));
    holder.type->init_instance(instance, nullptr);
    return 0;
  } catch (pyb::error_already_set& error) {
    error.restore();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& error) {
    PyErr_SetString(PyExc_RuntimeError, error.what());
  }
  return -1;
}

}  // namespace

PySocket::~PySocket() {
  unregister_callback(callback);
  // Dropping the last reference closes the socket at once (CPython's way), or, in a script
  // run, leaves it open until the script's gc.collect() (the camera's way: dropped_sockets.h).
  // Closing may wait for the stack, so not with the GIL.
  std::shared_ptr<Socket> last = std::move(socket);
  if (keep_dropped(last)) return;
  if (last && PyGILState_Check() && !_Py_IsFinalizing()) {
    without_gil_do([&] { last.reset(); });
  }
}

std::vector<std::string> socket_names_absent(const Profile& profile) {
  std::vector<std::string> absent;
  if (!profile.timeout_options) absent.insert(absent.end(), {"SO_SNDTIMEO", "SO_RCVTIMEO"});
  if (!has_tcp_nodelay(profile.micropython)) absent.insert(absent.end(), {"IPPROTO_TCP", "TCP_NODELAY"});
  if (!has_recv_flags(profile.micropython)) absent.insert(absent.end(), {"MSG_PEEK", "MSG_DONTWAIT"});
  return absent;
}

void define_socket_module(pyb::module_& m, bool desktop) {
  m.attr("__name__") = "socket";

  // ---- The module table (modlwip mp_module_lwip_globals_table) ----
  m.attr("AF_INET") = MP_AF_INET;
  m.attr("AF_INET6") = MP_AF_INET6;
  m.attr("SOCK_STREAM") = MP_SOCK_STREAM;
  m.attr("SOCK_DGRAM") = MP_SOCK_DGRAM;
  m.attr("SOL_SOCKET") = MP_SOL_SOCKET;
  m.attr("SO_REUSEADDR") = MP_SO_REUSEADDR;
  m.attr("SO_BROADCAST") = MP_SO_BROADCAST;
  m.attr("SO_SNDTIMEO") = MP_SO_SNDTIMEO;  // only where socket_names_absent() keeps them
  m.attr("SO_RCVTIMEO") = MP_SO_RCVTIMEO;
  m.attr("IPPROTO_IP") = MP_IPPROTO_IP;
  m.attr("IP_ADD_MEMBERSHIP") = MP_IP_ADD_MEMBERSHIP;
  m.attr("IP_DROP_MEMBERSHIP") = MP_IP_DROP_MEMBERSHIP;
  m.attr("IPPROTO_TCP") = MP_IPPROTO_TCP;
  m.attr("TCP_NODELAY") = MP_TCP_NODELAY;
  m.attr("MSG_PEEK") = MP_MSG_PEEK;
  m.attr("MSG_DONTWAIT") = MP_MSG_DONTWAIT;
  m.def("getaddrinfo", &socket_getaddrinfo);

  if (!desktop) {
    pyb::class_<PySocket> cls(m, "socket");
    cls.def(pyb::init([](pyb::args args, pyb::kwargs kwargs) {
      return new PySocket(open_from_arguments(args.ptr(), kwargs.ptr()));
    }));
    define_firmware_methods(cls);
    socket_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
    socket_type->tp_init = init_directly<PySocket>;
  } else {
    pyb::class_<PyDesktopSocket, PySocket> cls(m, "socket");
    cls.def(pyb::init([](pyb::args args, pyb::kwargs kwargs) {
      return new PyDesktopSocket(open_from_arguments(args.ptr(), kwargs.ptr()));
    }));
    cls.def("getsockname", &socket_getsockname)
        .def("getpeername", &socket_getpeername)
        .def("gettimeout", &socket_gettimeout)
        .def("__enter__", [](pyb::handle self) { return pyb::reinterpret_borrow<pyb::object>(self); })
        .def("__exit__", [](pyb::handle self, pyb::args) { socket_close(self); });
    reinterpret_cast<PyTypeObject*>(cls.ptr())->tp_init = init_directly<PyDesktopSocket>;
  }
}

}  // namespace mpsock::py
