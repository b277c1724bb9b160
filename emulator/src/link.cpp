#include "mpsock/link.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "mpsock/quantity.h"

namespace mpsock {

namespace {

// Clock time for a number of milliseconds, clamped to [0, a century] before the conversion (a
// double past the clock's integer range would be undefined behaviour).
Clock::duration from_ms(double ms) {
  if (!(ms > 0)) return Clock::duration::zero();
  ms = std::min(ms, static_cast<double>(Deadline::kForeverMs));
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

}  // namespace

Status check_conditions(const LinkConditions& c) {
  const double longest = static_cast<double>(kLongestSettingMs);
  for (const auto& [name, ms] : {std::pair<const char*, double>{"latency", c.latency_ms}, {"jitter", c.jitter_ms}}) {
    if (!std::isfinite(ms) || ms < 0 || ms > longest) {
      return Error::value(std::string(name) + " must be from 0 to " + std::to_string(kLongestSettingMs / 1000) +
                          "s (a day), not " + number_text(ms) + "ms");
    }
  }
  if (!std::isfinite(c.bandwidth_bps) || c.bandwidth_bps < 0 || (c.bandwidth_bps > 0 && c.bandwidth_bps < 1)) {
    return Error::value("bandwidth must be at least 1 bit/s (or 0 for no limit), not " +
                        number_text(c.bandwidth_bps) + " bit/s");
  }
  if (!(c.loss >= 0 && c.loss <= 1)) {
    return Error::value("loss must be from 0 to 1 (0% to 100%), not " + number_text(c.loss));
  }
  return {};
}

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
  const Clock::time_point never = Link::never();
  Clock::time_point& free_at = free_at_[direction == Direction::out ? 0 : 1];
  Clock::time_point sent = now;
  if (conditions_.bandwidth_bps > 0) {
    // The bytes leave once the ones before them have, at the link's rate. A link that would
    // take past never to send them does not send them: the clock stays in range.
    const Clock::time_point start = std::min(std::max(now, free_at), never);
    sent = std::min(start + from_ms(static_cast<double>(bytes) * 8.0 * 1000.0 / conditions_.bandwidth_bps), never);
    free_at = sent;
  }
  Crossing crossing;
  crossing.arrives = sent + jittered_one_way();
  if (conditions_.loss > 0) {
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    if (conditions_.loss >= 1) {
      // A dead link: every retransmission is lost as well.
      crossing.lost = !reliable;
      crossing.arrives = never;
    } else if (chance(random_) < conditions_.loss) {
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
