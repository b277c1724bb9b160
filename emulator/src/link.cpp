#include "mpsock/link.h"

#include <algorithm>
#include <chrono>

namespace mpsock {

namespace {

Clock::duration from_ms(double ms) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

}  // namespace

void Link::set_conditions(const LinkConditions& conditions) {
  conditions_ = conditions;
  random_.seed(conditions.seed);
  free_at_[0] = free_at_[1] = Clock::time_point{};
}

Clock::duration Link::one_way() const { return from_ms(conditions_.latency_ms / 2); }

// lwIP's retransmission timer ticks every 500 ms (TCP_SLOW_INTERVAL) and starts from a
// conservative estimate; twice the round trip, at least a tick, is what a loss costs.
Clock::duration Link::retransmission_timeout() const {
  return std::max(from_ms(500), from_ms(2 * conditions_.latency_ms));
}

Clock::duration Link::jittered_one_way() {
  double ms = conditions_.latency_ms / 2;
  if (conditions_.jitter_ms > 0) {
    std::uniform_real_distribution<double> spread(-conditions_.jitter_ms, conditions_.jitter_ms);
    ms += spread(random_);
  }
  return from_ms(std::max(0.0, ms));
}

Link::Crossing Link::cross(Direction direction, size_t bytes, bool reliable, Clock::time_point not_before) {
  const Clock::time_point now = Clock::now();
  Clock::time_point& free_at = free_at_[direction == Direction::out ? 0 : 1];
  Clock::time_point sent = now;
  if (conditions_.bandwidth_bps > 0) {
    // The bytes leave once the ones before them have, at the link's rate.
    const Clock::time_point start = std::max(now, free_at);
    sent = start + from_ms(static_cast<double>(bytes) * 8.0 * 1000.0 / conditions_.bandwidth_bps);
    free_at = sent;
  }
  Crossing crossing;
  crossing.arrives = sent + jittered_one_way();
  if (conditions_.loss > 0) {
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    if (chance(random_) < conditions_.loss) {
      if (reliable) {
        crossing.arrives += retransmission_timeout();
      } else {
        crossing.lost = true;
      }
    }
  }
  if (reliable) crossing.arrives = std::max(crossing.arrives, not_before);
  return crossing;
}

}  // namespace mpsock
