#include "waiter.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace mpsock {

Waiter::Waiter() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  // Without a wake-up fd a waiting thread could sleep through a state change: fail loudly.
  if (fd_ < 0) std::abort();
}

Waiter::~Waiter() {
  if (fd_ >= 0) close(fd_);
}

Waiter& Waiter::for_this_thread() {
  thread_local Waiter waiter;
  return waiter;
}

void Waiter::wake() {
  if (signalled_) return;
  signalled_ = true;
  const uint64_t one = 1;
  ssize_t n;
  do {
    n = ::write(fd_, &one, sizeof(one));
  } while (n < 0 && errno == EINTR);
}

void Waiter::drain() {
  if (!signalled_) return;
  signalled_ = false;
  uint64_t count;
  ssize_t n;
  do {
    n = ::read(fd_, &count, sizeof(count));
  } while (n < 0 && errno == EINTR);
}

}  // namespace mpsock
