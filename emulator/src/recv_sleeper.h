// The thread asleep in the kernel's recv(2) on one of a stack's TCP sockets
// (TcpSocket::sleep_in_recv; one at most, as the file it sleeps on is lent to one socket at a
// time), and what lets another thread close that socket under it. The closer ends the socket's
// reading, which wakes the recv at once (or makes it return at once if it has not begun), and
// waits until the sleeper is out of the kernel before the descriptor is closed: a descriptor
// number closed under a recv about to begin could be reused by another socket, which the recv
// would then read.
#pragma once

#include <condition_variable>
#include <mutex>

namespace mpsock {

class RecvSleeper {
 public:
  // With the stack lock held, before the sleeper releases it.
  void entering(const void* socket);
  // By the sleeper, right after its recv returned, before it takes the stack lock again.
  void left();
  // By the sleeper, with the stack lock held again.
  void back() { socket_ = nullptr; }
  // With the stack lock held: a thread is between entering() and back() (on `socket`).
  bool asleep() const { return socket_ != nullptr; }
  bool asleep_on(const void* socket) const { return socket_ == socket; }
  // With the stack lock held (which the sleeper does not need to leave the kernel), for the
  // socket it sleeps on: ends its recv on `fd` and returns once it is out of the kernel.
  void wake_and_wait(int fd);

 private:
  const void* socket_ = nullptr;  // under the stack lock
  std::mutex mutex_;              // not the stack's: the sleeper leaves the kernel without it
  std::condition_variable left_kernel_;
  bool in_kernel_ = false;  // under mutex_
};

}  // namespace mpsock
