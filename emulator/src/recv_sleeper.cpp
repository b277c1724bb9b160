#include "recv_sleeper.h"

#include "platform.h"

namespace mpsock {

void RecvSleeper::entering(const void* socket) {
  socket_ = socket;
  std::lock_guard<std::mutex> guard(mutex_);
  in_kernel_ = true;
}

void RecvSleeper::left() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    in_kernel_ = false;
  }
  left_kernel_.notify_all();
}

void RecvSleeper::wake_and_wait(int fd) {
  if (fd >= 0) platform::end_reading(fd);
  std::unique_lock<std::mutex> guard(mutex_);
  left_kernel_.wait(guard, [this] { return !in_kernel_; });
}

}  // namespace mpsock
