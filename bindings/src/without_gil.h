// Running emulator calls without the GIL, safely at interpreter exit too.
//
// pybind11's gil_scoped_release takes the GIL back in a (noexcept) destructor. A daemon thread
// that comes back from a blocked call while the interpreter is finalizing is ended by CPython
// with pthread_exit, whose unwinding must not cross a noexcept frame (std::terminate, SIGABRT
// at exit). Here the GIL is taken back in an ordinary function, and a thread that would be
// ended anyway parks instead.
#pragma once

#include <Python.h>
#include <unistd.h>

#include <utility>

namespace mpsock::py {

// Takes the GIL back for `state`; while the interpreter is finalizing the thread sleeps until
// the process ends (CPython would end it at once; this way no C++ frame is unwound).
inline void take_gil_back(PyThreadState* state) {
  if (_Py_IsFinalizing()) {
    for (;;) pause();
  }
  PyEval_RestoreThread(state);
}

// Runs `call` without the GIL and returns what it returns; the caller holds the GIL.
template <class Call>
auto without_gil(Call&& call) {
  PyThreadState* state = PyEval_SaveThread();
  auto result = std::forward<Call>(call)();
  take_gil_back(state);
  return result;
}

// The same for a call with no result.
template <class Call>
void without_gil_do(Call&& call) {
  PyThreadState* state = PyEval_SaveThread();
  std::forward<Call>(call)();
  take_gil_back(state);
}

}  // namespace mpsock::py
