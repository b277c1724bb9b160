// The process's emulated stack as Python sees it: which Stack new sockets use, signal
// delivery into blocked calls, and modlwip's socket event callbacks (setsockopt option 20).
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>

#include "mpsock/stack.h"

namespace mpsock::py {

namespace pyb = pybind11;

// The stack new sockets are made on. Created on first use with the profile named by the
// MPSOCK_PROFILE environment variable, or the default profile.
std::shared_ptr<Stack> current_stack();
// Replaces the current stack with a fresh one (tests, a new script run). Old sockets keep
// theirs.
void reset_stack(const Profile& profile);

// Lets blocked calls on the main thread notice Ctrl-C: Python writes each signal to
// `wakeup_fd` (signal.set_wakeup_fd), which waits poll alongside the network.
void install_interrupts(int wakeup_fd, unsigned long main_thread_ident);

// modlwip's option 20: a callable run (on the main thread, between bytecodes, as
// mp_sched_schedule runs it) whenever the socket has an event.
struct SocketCallback {
  PyObject* owner = nullptr;  // the Python socket, borrowed; cleared when it goes away
  pyb::object function;
  std::atomic<bool> pending{false};
};
std::shared_ptr<SocketCallback> register_callback(PyObject* owner, pyb::object function);
void unregister_callback(const std::shared_ptr<SocketCallback>& callback);
// The core hook for a callback: marks it pending and schedules the Python side. Holds no
// Python objects and takes no GIL, as the core calls it with its lock held.
std::function<void()> callback_hook(const std::shared_ptr<SocketCallback>& callback);

// micropython.schedule(function, arg): runs function(arg) on the main thread "soon", from a
// queue as deep as MicroPython's (MICROPY_SCHEDULER_DEPTH); false when the queue is full.
bool schedule(pyb::object function, pyb::object arg);

}  // namespace mpsock::py
