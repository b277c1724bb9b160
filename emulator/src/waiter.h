// A thread's wake-up call: a descriptor (platform.h's wake-up, an eventfd on Linux) the thread
// polls while it waits on a Stack, so another thread that changes what it waits for can wake
// it without a lost wake-up.
#pragma once

namespace mpsock {

class Waiter {
 public:
  // The calling thread's Waiter, created on first use and closed when the thread ends.
  static Waiter& for_this_thread();

  int fd() const { return fd_; }
  // With the stack lock held. Writes at most once until the waiter drains.
  void wake();
  // With the stack lock held, after the thread's poll returned.
  void drain();

  ~Waiter();
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

 private:
  Waiter();
  int fd_ = -1;
  bool signalled_ = false;
};

}  // namespace mpsock
