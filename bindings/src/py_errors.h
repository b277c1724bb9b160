// Turning the core's Errors into the exceptions the firmware raises, and argument conversions
// shared by the module files.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "mpsock/errors.h"

namespace mpsock::py {

namespace pyb = pybind11;

// Raises the Python exception for `error`: OSError(code) with errno/strerror set the way
// MicroPython prints it ("[Errno 110] ETIMEDOUT"), ValueError, TypeError,
// NotImplementedError, or whatever a signal handler raised.
[[noreturn]] void raise(const Error& error);

// Unwraps a Result or raises its error.
template <class T>
T check(Result<T> result) {
  if (!result) raise(result.error());
  return std::move(result.value());
}
inline void check(const Status& status) {
  if (!status) raise(status.error());
}

// mp_obj_get_int: ints and bools, nothing else, within the camera's 32-bit machine word
// (OverflowError beyond it, as on the camera).
int64_t to_int(pyb::handle value);

// A timeout in seconds (int or float) as milliseconds, truncated as modlwip stores it; None
// is -1 (forever). TypeError for other types, ValueError when negative or not a number,
// OverflowError when the milliseconds do not fit.
int64_t seconds_to_ms(pyb::handle value);

// mp_get_buffer_raise: bytes-like objects; str too, as MicroPython's str has the buffer
// protocol (a script may send("text") on the camera).
struct Buffer {
  const uint8_t* data = nullptr;
  size_t size = 0;
  pyb::object keep;       // the object or encoded str that owns the memory
  Py_buffer view{};
  bool has_view = false;
  ~Buffer();
};
void get_read_buffer(pyb::handle value, Buffer* out);
bool has_buffer(pyb::handle value);

}  // namespace mpsock::py
