// The stack's network thread: it runs the loop while something has to progress with no script
// call waiting (bytes queued for the kernel, a lingering close, event callbacks), as lwIP keeps
// working on the camera while the script computes. Idle otherwise, so request/response
// traffic never pays for a thread switch.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace mpsock {

class Stack;

class NetworkThread {
 public:
  NetworkThread() = default;
  ~NetworkThread();
  NetworkThread(const NetworkThread&) = delete;
  NetworkThread& operator=(const NetworkThread&) = delete;

  // With the stack lock held: there is background work; start or wake the thread.
  void wake(const std::shared_ptr<Stack>& stack);
  // With the stack lock held, from the thread itself: no background work is left.
  void idle();
  bool is_network_thread() const { return std::this_thread::get_id() == thread_.get_id(); }
  // Stops the thread; from the thread itself it is detached instead of joined.
  void stop();

 private:
  // Shared with the thread, which must not touch the Stack while it parks (so it does not
  // keep the Stack alive) and may outlive it.
  struct Control {
    std::mutex mutex;
    std::condition_variable changed;
    bool work = false;
    bool stop = false;
  };
  static void run(std::weak_ptr<Stack> stack, std::shared_ptr<Control> control);

  std::shared_ptr<Control> control_ = std::make_shared<Control>();
  std::thread thread_;
};

}  // namespace mpsock
