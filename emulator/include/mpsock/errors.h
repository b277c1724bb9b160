// Errors as values. The core never throws: every operation returns a Result carrying either
// its value or an Error. The Python bindings turn an Error into the exception the firmware
// raises (OSError with MicroPython's errno number, ValueError, ...).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace mpsock {

// MicroPython's errno numbers (py/mperrno.h). They equal Linux's, and are spelled out here so
// the emulator reports the firmware's numbers on every host OS.
inline constexpr int MP_EPERM = 1;
inline constexpr int MP_ENOENT = 2;
inline constexpr int MP_EINTR = 4;
inline constexpr int MP_EIO = 5;
inline constexpr int MP_EBADF = 9;
inline constexpr int MP_EAGAIN = 11;
inline constexpr int MP_ENOMEM = 12;
inline constexpr int MP_EACCES = 13;
inline constexpr int MP_EEXIST = 17;
inline constexpr int MP_ENODEV = 19;
inline constexpr int MP_EISDIR = 21;
inline constexpr int MP_EINVAL = 22;
inline constexpr int MP_EOPNOTSUPP = 95;
inline constexpr int MP_EADDRINUSE = 98;
inline constexpr int MP_ECONNABORTED = 103;
inline constexpr int MP_ECONNRESET = 104;
inline constexpr int MP_ENOBUFS = 105;
inline constexpr int MP_EISCONN = 106;
inline constexpr int MP_ENOTCONN = 107;
inline constexpr int MP_ETIMEDOUT = 110;
inline constexpr int MP_ECONNREFUSED = 111;
inline constexpr int MP_EHOSTUNREACH = 113;
inline constexpr int MP_EALREADY = 114;
inline constexpr int MP_EINPROGRESS = 115;

// The symbolic name of a MicroPython errno ("EAGAIN"), or nullptr for an unknown number.
const char* errno_name(int code);

// What kind of exception an Error becomes at the Python boundary.
enum class ErrorKind {
  os,               // OSError(code); code is an errno, or negative for getaddrinfo failures
  value,            // ValueError(message)
  type,             // TypeError(message)
  not_implemented,  // NotImplementedError
  interrupted,      // a signal arrived while waiting; the bindings raise what the handler raised
};

struct Error {
  ErrorKind kind = ErrorKind::os;
  int code = 0;
  std::string message;

  static Error os(int code) { return Error{ErrorKind::os, code, {}}; }
  static Error value(std::string message) {
    return Error{ErrorKind::value, 0, std::move(message)};
  }
  static Error type(std::string message) { return Error{ErrorKind::type, 0, std::move(message)}; }
  static Error not_implemented() { return Error{ErrorKind::not_implemented, 0, {}}; }
  static Error interrupted() { return Error{ErrorKind::interrupted, MP_EINTR, {}}; }

  bool is_os(int errno_code) const { return kind == ErrorKind::os && code == errno_code; }
};

// A value or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  T& value() {
    assert(ok());
    return *value_;
  }
  const T& value() const {
    assert(ok());
    return *value_;
  }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return error_;
  }

 private:
  std::optional<T> value_;
  Error error_;
};

// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : failed_(true), error_(std::move(error)) {}  // NOLINT

  static Status success() { return Status(); }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(failed_);
    return error_;
  }

 private:
  bool failed_ = false;
  Error error_;
};

}  // namespace mpsock
