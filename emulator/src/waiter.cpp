#include "waiter.h"

#include <cstdlib>

#include "platform.h"

namespace mpsock {

Waiter::Waiter() : fd_(platform::open_wakeup()) {
  // Without a wake-up fd a waiting thread could sleep through a state change: fail loudly.
  if (fd_ < 0) std::abort();
}

Waiter::~Waiter() {
  if (fd_ >= 0) platform::close_wakeup(fd_);
}

Waiter& Waiter::for_this_thread() {
  thread_local Waiter waiter;
  return waiter;
}

void Waiter::wake() {
  if (signalled_) return;
  signalled_ = true;
  platform::signal_wakeup(fd_);
}

void Waiter::drain() {
  if (!signalled_) return;
  signalled_ = false;
  platform::drain_wakeup(fd_);
}

}  // namespace mpsock
