#include "py_errors.h"

#include <cmath>
#include <cstdint>

namespace mpsock::py {

void raise(const Error& error) {
  switch (error.kind) {
    case ErrorKind::os: {
      // A plain OSError whose args are (code,), never a subclass such as TimeoutError:
      // scripts catch OSError and read e.args[0] or e.errno, as on the camera.
      pyb::object exc = pyb::reinterpret_steal<pyb::object>(
          PyObject_CallFunction(PyExc_OSError, "(i)", error.code));
      if (!exc) throw pyb::error_already_set();
      PyObject_SetAttrString(exc.ptr(), "errno", pyb::int_(error.code).ptr());
      if (const char* name = errno_name(error.code)) {
        PyObject_SetAttrString(exc.ptr(), "strerror", pyb::str(name).ptr());
      }
      PyErr_SetObject(PyExc_OSError, exc.ptr());
      throw pyb::error_already_set();
    }
    case ErrorKind::value:
      if (error.message.empty()) {
        PyErr_SetNone(PyExc_ValueError);
      } else {
        PyErr_SetString(PyExc_ValueError, error.message.c_str());
      }
      throw pyb::error_already_set();
    case ErrorKind::type:
      PyErr_SetString(PyExc_TypeError, error.message.c_str());
      throw pyb::error_already_set();
    case ErrorKind::not_implemented:
      PyErr_SetNone(PyExc_NotImplementedError);
      throw pyb::error_already_set();
    case ErrorKind::interrupted:
      // The signal handler's exception (KeyboardInterrupt) is already set on this thread.
      if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
      throw pyb::error_already_set();
  }
  PyErr_SetString(PyExc_RuntimeError, "mpsock: unknown error kind");
  throw pyb::error_already_set();
}

int64_t to_int(pyb::handle value) {
  if (!PyLong_Check(value.ptr())) {
    const std::string type = Py_TYPE(value.ptr())->tp_name;
    PyErr_Format(PyExc_TypeError, "can't convert %s to int", type.c_str());
    throw pyb::error_already_set();
  }
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || v < INT32_MIN || v > INT32_MAX) {
    PyErr_SetString(PyExc_OverflowError, "overflow converting long int to machine word");
    throw pyb::error_already_set();
  }
  return v;
}

int64_t seconds_to_ms(pyb::handle value) {
  if (value.is_none()) return -1;
  if (!PyLong_Check(value.ptr()) && !PyFloat_Check(value.ptr())) {
    PyErr_Format(PyExc_TypeError, "can't convert %s to float", Py_TYPE(value.ptr())->tp_name);
    throw pyb::error_already_set();
  }
  const double seconds = PyFloat_AsDouble(value.ptr());
  if (seconds == -1.0 && PyErr_Occurred()) throw pyb::error_already_set();  // an int too big for a double
  if (std::isnan(seconds) || seconds < 0) {
    PyErr_SetString(PyExc_ValueError, "timeout must be None or a non-negative number");
    throw pyb::error_already_set();
  }
  const double ms = seconds * 1000.0;
  if (!std::isfinite(ms) || ms >= 9.0e15) {  // well inside int64 and a double's exact integers
    PyErr_SetString(PyExc_OverflowError, "timeout too large");
    throw pyb::error_already_set();
  }
  return static_cast<int64_t>(ms);
}

Buffer::~Buffer() {
  if (has_view) PyBuffer_Release(&view);
}

bool has_buffer(pyb::handle value) {
  return PyUnicode_Check(value.ptr()) || PyObject_CheckBuffer(value.ptr());
}

void get_read_buffer(pyb::handle value, Buffer* out) {
  if (PyUnicode_Check(value.ptr())) {
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
    if (utf8 == nullptr) throw pyb::error_already_set();
    out->keep = pyb::reinterpret_borrow<pyb::object>(value);
    out->data = reinterpret_cast<const uint8_t*>(utf8);
    out->size = static_cast<size_t>(size);
    return;
  }
  if (PyObject_GetBuffer(value.ptr(), &out->view, PyBUF_SIMPLE) != 0) {
    PyErr_Clear();
    PyErr_SetString(PyExc_TypeError, "object with buffer protocol required");
    throw pyb::error_already_set();
  }
  out->has_view = true;
  out->data = static_cast<const uint8_t*>(out->view.buf);
  out->size = static_cast<size_t>(out->view.len);
}

}  // namespace mpsock::py
