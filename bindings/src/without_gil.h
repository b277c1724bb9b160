// Running emulator calls without the GIL, safely at interpreter exit too.
//
// pybind11's gil_scoped_release takes the GIL back in a (noexcept) destructor. A daemon thread
// that comes back from a blocked call while the interpreter is finalizing is ended by CPython
// with pthread_exit, whose unwinding must not cross a noexcept frame (std::terminate, SIGABRT
// at exit). Here the GIL is taken back in an ordinary function, and a thread that would be
// ended anyway parks instead.
#pragma once

#include <Python.h>
#include <pythread.h>
#include <unistd.h>

#include <atomic>
#include <utility>

namespace mpsock::py {

// Set by the exit shutdown before it closes the sockets: from then on a thread other than the
// main one that comes back from the emulator parks. Checking for finalization alone leaves a
// window (the check passes, finalization starts, CPython ends the thread while it waits for
// the GIL, and its C++ frames drop Python objects without the GIL).
inline std::atomic<bool> exit_shutdown_started{false};
inline std::atomic<unsigned long> main_thread_ident{0};

// Takes the GIL back for `state`; a thread the interpreter is about to end sleeps until the
// process ends instead (CPython would end it at once; this way no C++ frame is unwound).
inline void take_gil_back(PyThreadState* state) {
  const bool main = PyThread_get_thread_ident() == main_thread_ident.load();
  if (_Py_IsFinalizing() || (exit_shutdown_started.load() && !main)) {
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
