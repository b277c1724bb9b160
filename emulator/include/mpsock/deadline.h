// When a blocking call gives up. One type for the three timing modes of the firmware:
// blocking (never), non-blocking (now) and a timeout (now + t).
#pragma once

#include <chrono>
#include <cstdint>

namespace mpsock {

using Clock = std::chrono::steady_clock;

class Deadline {
 public:
  static Deadline never() { return Deadline(true, Clock::time_point{}); }
  static Deadline now() { return Deadline(false, Clock::now()); }
  // Past a century a timeout is forever (and the clock's nanoseconds stay in range).
  static constexpr int64_t kForeverMs = int64_t{100} * 365 * 24 * 3600 * 1000;

  static Deadline after_ms(int64_t ms) {
    if (ms >= kForeverMs) return never();
    return Deadline(false, Clock::now() + std::chrono::milliseconds(ms));
  }
  // A socket timeout in milliseconds: negative waits forever, 0 does not wait.
  static Deadline from_timeout_ms(int64_t ms) {
    if (ms < 0) return never();
    if (ms == 0) return now();
    return after_ms(ms);
  }

  bool is_never() const { return never_; }
  bool expired() const { return !never_ && Clock::now() >= at_; }

  // Milliseconds left for poll(2): -1 for never, 0 once expired, otherwise rounded up so a
  // wait never wakes before its deadline and spins.
  int poll_timeout_ms() const {
    if (never_) return -1;
    const auto left = at_ - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
  }

 private:
  Deadline(bool never, Clock::time_point at) : never_(never), at_(at) {}
  bool never_;
  Clock::time_point at_;
};

}  // namespace mpsock
