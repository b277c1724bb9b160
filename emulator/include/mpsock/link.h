// The emulated link between the camera and the rest of the world: latency, jitter, bandwidth
// and loss, and whether the link (the WiFi association) is up. Sockets ask it when each piece
// of data gets across; it keeps the two directions' serialisation clocks and the random
// stream, so a given seed gives the same schedule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "mpsock/deadline.h"
#include "mpsock/errors.h"

namespace mpsock {

struct LinkConditions {
  double latency_ms = 0;     // added round-trip time; each direction gets half
  double jitter_ms = 0;      // each one-way delay varies by up to this much either way
  double bandwidth_bps = 0;  // bits per second each way; 0 is unlimited
  double loss = 0;           // probability a segment or datagram is lost (0..1); 1 is a dead link
  uint64_t seed = 1;

  bool shaped() const { return latency_ms > 0 || jitter_ms > 0 || bandwidth_bps > 0 || loss > 0; }
};

// Conditions a link can have, with the reason for the first one out of range (ValueError):
// latency and jitter from 0 to a day, bandwidth 0 (unlimited) or at least 1 bit/s, loss from 0
// to 1; nothing that is not a number. Checked before any is turned into clock time.
Status check_conditions(const LinkConditions& conditions);

class Link {
 public:
  enum class Direction { out, in };  // out: camera to world; in: world to camera

  // When a piece sent now gets across. A lost TCP segment arrives late (a retransmission);
  // a lost datagram does not arrive at all. At 100% loss nothing arrives: a TCP segment's
  // retransmissions are lost too, and it arrives at never().
  struct Crossing {
    Clock::time_point arrives;
    bool lost = false;
  };

  void set_conditions(const LinkConditions& conditions);
  const LinkConditions& conditions() const { return conditions_; }
  bool shaped() const { return conditions_.shaped(); }

  bool up() const { return up_; }
  void set_up(bool up) { up_ = up; }

  // `bytes` entering the link in `direction` now. `reliable` (TCP) turns loss into delay.
  // `not_before` keeps a TCP stream in order.
  Crossing cross(Direction direction, size_t bytes, bool reliable, Clock::time_point not_before);

  // When what never crosses arrives: far enough to be never (a century, as Deadline's
  // forever), near enough that adding any delay to it stays in the clock's range.
  static Clock::time_point never() { return Clock::now() + std::chrono::milliseconds(Deadline::kForeverMs); }
  // Whether `when` is a never() (from any time since).
  static bool is_never(Clock::time_point when) {
    return when - Clock::now() > std::chrono::milliseconds(Deadline::kForeverMs / 2);
  }
  // 100% loss: nothing crosses.
  bool dead() const { return conditions_.loss >= 1; }

  // One-way delay and the retransmission timeout lwIP would use, for handshakes and ACKs.
  Clock::duration one_way() const;
  Clock::duration retransmission_timeout() const;

 private:
  Clock::duration jittered_one_way();

  LinkConditions conditions_;
  bool up_ = true;
  std::mt19937_64 random_{1};
  Clock::time_point free_at_[2] = {};  // when each direction has sent what it was given
};

}  // namespace mpsock
