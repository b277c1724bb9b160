#include "network_thread.h"

#include <signal.h>

#include "mpsock/stack.h"

namespace mpsock {

NetworkThread::~NetworkThread() { stop(); }

void NetworkThread::wake(const std::shared_ptr<Stack>& stack) {
  {
    std::lock_guard<std::mutex> guard(control_->mutex);
    if (control_->stop) return;
    control_->work = true;
  }
  control_->changed.notify_one();
  if (!thread_.joinable()) {
    // Signals belong to the script's threads (Ctrl-C must reach the main thread).
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    thread_ = std::thread(run, std::weak_ptr<Stack>(stack), control_);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
}

void NetworkThread::idle() {
  std::lock_guard<std::mutex> guard(control_->mutex);
  control_->work = false;
}

void NetworkThread::stop() {
  {
    std::lock_guard<std::mutex> guard(control_->mutex);
    control_->stop = true;
  }
  control_->changed.notify_one();
  if (!thread_.joinable()) return;
  if (is_network_thread()) {
    thread_.detach();  // the Stack died on this thread; run() returns without touching it
  } else {
    thread_.join();
  }
}

void NetworkThread::run(std::weak_ptr<Stack> weak_stack, std::shared_ptr<Control> control) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(control->mutex);
      control->changed.wait(lock, [&] { return control->work || control->stop; });
      if (control->stop) return;
    }
    std::shared_ptr<Stack> stack = weak_stack.lock();
    if (!stack) return;
    stack->serve_background_work();
    // Dropping the last reference destroys the Stack here, which detaches this thread.
    stack.reset();
  }
}

}  // namespace mpsock
