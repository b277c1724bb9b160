#include "runtime.h"

#include <pythread.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <vector>

#include "without_gil.h"

namespace mpsock::py {

namespace {

std::mutex stack_mutex;
std::shared_ptr<Stack> the_stack;

// MPSOCK_PROFILE and MPSOCK_FIRMWARE, checked as `--profile` and `--firmware` are: a name
// that is no profile, or a release the emulator cannot follow, is an error, never the default
// board in disguise.
Profile profile_from_environment() {
  Profile profile = default_profile();
  const char* name = std::getenv("MPSOCK_PROFILE");
  if (name != nullptr && *name != '\0') {
    const Profile* named = find_profile(name);
    if (named == nullptr) {
      std::string known;
      for (const Profile& p : builtin_profiles()) known += (known.empty() ? "" : ", ") + p.name;
      throw pyb::value_error("MPSOCK_PROFILE: unknown profile '" + std::string(name) + "' (known: " + known + ")");
    }
    profile = *named;
  }
  const char* firmware = std::getenv("MPSOCK_FIRMWARE");
  if (firmware != nullptr && *firmware != '\0') {
    std::optional<MicroPythonVersion> version = MicroPythonVersion::parse(firmware);
    std::optional<Profile> older = version ? with_firmware(profile, *version) : std::nullopt;
    if (!older) {
      throw pyb::value_error("MPSOCK_FIRMWARE: unknown firmware '" + std::string(firmware) +
                             "': a MicroPython release from " + kOldestFollowed.to_string() + " to " +
                             kNewestFollowed.to_string() + ", e.g. 1.24");
    }
    profile = *older;
  }
  return profile;
}

class PythonInterrupts final : public InterruptSource {
 public:
  PythonInterrupts(int fd, unsigned long main_ident) : fd_(fd), main_ident_(main_ident) {}

  int wakeup_fd() override { return on_main_thread() ? fd_ : -1; }

  bool interrupted() override {
    // Only the main thread runs Python signal handlers; other threads keep waiting.
    if (!on_main_thread()) return false;
    char drain[64];
    while (::read(fd_, drain, sizeof(drain)) > 0) {
    }
    pyb::gil_scoped_acquire gil;
    return PyErr_CheckSignals() != 0;
  }

 private:
  bool on_main_thread() const { return PyThread_get_thread_ident() == main_ident_; }
  int fd_;
  unsigned long main_ident_;
};

PythonInterrupts* interrupts = nullptr;  // lives for the process

// Calls function(arg) as MicroPython's scheduler does ("protected"): an exception is printed
// and the next call still runs; only KeyboardInterrupt and SystemExit go on to the script
// (false, with the exception set).
bool call_protected(const pyb::object& function, const pyb::object& arg) {
  PyObject* result = PyObject_CallOneArg(function.ptr(), arg.ptr());
  if (result != nullptr) {
    Py_DECREF(result);
    return true;
  }
  if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt) || PyErr_ExceptionMatches(PyExc_SystemExit)) return false;
  PyErr_Print();
  return true;
}

// The containers below hold Python objects, so they are never destroyed: static destructors
// run after the interpreter is gone.
std::mutex callbacks_mutex;
auto& callbacks = *new std::vector<std::shared_ptr<SocketCallback>>();
std::atomic<bool> callbacks_scheduled{false};

// Runs on the main thread with the GIL, from CPython's pending-call machinery.
int run_callbacks(void*) {
  callbacks_scheduled = false;
  std::vector<std::shared_ptr<SocketCallback>> due;
  {
    std::lock_guard<std::mutex> guard(callbacks_mutex);
    for (const auto& callback : callbacks) {
      if (callback->pending.exchange(false)) due.push_back(callback);
    }
  }
  for (const auto& callback : due) {
    if (callback->owner == nullptr || !callback->function) continue;
    // Own references: the callback may unregister itself (or close its socket) while it runs.
    pyb::object function = callback->function;
    pyb::object owner = pyb::reinterpret_borrow<pyb::object>(callback->owner);
    if (!call_protected(function, owner)) return -1;
  }
  return 0;
}

void schedule_callbacks() {
  if (!callbacks_scheduled.exchange(true)) {
    if (Py_AddPendingCall(run_callbacks, nullptr) != 0) callbacks_scheduled = false;
  }
}

constexpr size_t kSchedulerDepth = 4;  // MICROPY_SCHEDULER_DEPTH
std::mutex scheduled_mutex;
auto& scheduled = *new std::vector<std::pair<pyb::object, pyb::object>>();

int run_scheduled(void*) {
  std::vector<std::pair<pyb::object, pyb::object>> due;
  {
    std::lock_guard<std::mutex> guard(scheduled_mutex);
    due.swap(scheduled);
  }
  for (auto& [function, arg] : due) {
    if (!call_protected(function, arg)) return -1;
  }
  return 0;
}

}  // namespace

bool schedule(pyb::object function, pyb::object arg) {
  bool first = false;
  {
    std::lock_guard<std::mutex> guard(scheduled_mutex);
    if (scheduled.size() >= kSchedulerDepth) return false;
    first = scheduled.empty();
    scheduled.emplace_back(std::move(function), std::move(arg));
  }
  if (first) Py_AddPendingCall(run_scheduled, nullptr);
  return true;
}

std::shared_ptr<Stack> current_stack() {
  std::lock_guard<std::mutex> guard(stack_mutex);
  if (!the_stack) {
    the_stack = Stack::create(profile_from_environment());
    if (interrupts != nullptr) the_stack->set_interrupt_source(interrupts);
  }
  return the_stack;
}

void reset_stack(const Profile& profile) {
  std::shared_ptr<Stack> old;
  {
    std::lock_guard<std::mutex> guard(stack_mutex);
    old = std::move(the_stack);
    the_stack = Stack::create(profile);
    if (interrupts != nullptr) the_stack->set_interrupt_source(interrupts);
  }
  if (old) without_gil_do([&] { old.reset(); });  // may wait for graceful closes to finish
}

void install_interrupts(int wakeup_fd, unsigned long main_thread_ident) {
  if (interrupts != nullptr) return;
  interrupts = new PythonInterrupts(wakeup_fd, main_thread_ident);
  std::lock_guard<std::mutex> guard(stack_mutex);
  if (the_stack) the_stack->set_interrupt_source(interrupts);
}

std::shared_ptr<SocketCallback> register_callback(PyObject* owner, pyb::object function) {
  auto callback = std::make_shared<SocketCallback>();
  callback->owner = owner;
  callback->function = std::move(function);
  std::lock_guard<std::mutex> guard(callbacks_mutex);
  callbacks.push_back(callback);
  return callback;
}

void unregister_callback(const std::shared_ptr<SocketCallback>& callback) {
  if (!callback) return;
  callback->owner = nullptr;
  callback->function = pyb::object();
  std::lock_guard<std::mutex> guard(callbacks_mutex);
  for (auto it = callbacks.begin(); it != callbacks.end(); ++it) {
    if (*it == callback) {
      callbacks.erase(it);
      break;
    }
  }
}

std::function<void()> callback_hook(const std::shared_ptr<SocketCallback>& callback) {
  std::weak_ptr<SocketCallback> weak = callback;
  return [weak] {
    if (auto callback = weak.lock()) {
      if (!callback->pending.exchange(true)) schedule_callbacks();
    }
  };
}

}  // namespace mpsock::py
