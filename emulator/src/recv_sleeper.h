// A thread asleep in the kernel's recv(2) on a TCP socket (TcpSocket::sleep_in_recv), and what
// lets another thread close that socket under it. The closer ends the socket's reading, which
// wakes the recv at once (or makes it return at once if it has not begun), and waits until the
// sleeper is out of the kernel before the descriptor is closed: a descriptor number closed
// under a recv about to begin could be reused by another socket, which the recv would then read.
#pragma once

#include <condition_variable>
#include <mutex>

namespace mpsock {

class RecvSleeper {
 public:
  // With the stack lock held, before the sleeper releases it.
  void entering();
  // By the sleeper, right after its recv returned, before it takes the stack lock again.
  void left();
  // By the sleeper, with the stack lock held again.
  void back() { asleep_ = false; }
  // With the stack lock held: a thread is between entering() and back().
  bool asleep() const { return asleep_; }
  // With the stack lock held (which the sleeper does not need to leave the kernel): ends the
  // sleeper's recv on `fd` and returns once it is out of the kernel.
  void wake_and_wait(int fd);

 private:
  bool asleep_ = false;  // under the stack lock
  std::mutex mutex_;     // not the stack's: the sleeper leaves the kernel without it
  std::condition_variable left_kernel_;
  bool in_kernel_ = false;  // under mutex_
};

}  // namespace mpsock
