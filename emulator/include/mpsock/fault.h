// Faults to inject into a run, at a time or after a number of bytes: what a flaky network
// does to a camera, with the firmware's errors at the script's next call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mpsock/errors.h"

namespace mpsock {

struct Fault {
  enum class Kind {
    reset,      // every TCP connection is reset (the script sees ECONNRESET)
    close,      // every TCP connection's peer closes (the script sees EOF)
    link_down,  // the link (WiFi) goes down, for a while or until reconnected
    dns_fail,   // resolving `name` fails with lwIP's -2
  };
  Kind kind = Kind::reset;
  std::string name;                  // dns_fail: the host name
  std::optional<int64_t> at_ms;      // after this long (from when the fault is scheduled)
  std::optional<uint64_t> at_bytes;  // after this many bytes crossed the link, both ways
  std::optional<int64_t> for_ms;     // link_down: how long
};

// Parses "KIND[:NAME][@WHEN][ for DURATION]", e.g. "reset@2s", "link-down@5s for 3s",
// "dns-fail:example.com", "close@64KB". WHEN is a time (ms, s; up to a day) or a byte count
// (B, KB, MB, GB, KiB, MiB, GiB; up to 10^18), see quantity.h; without it the fault happens
// at once. ValueError with the reason otherwise.
Result<Fault> parse_fault(std::string_view spec);

// The spec back in its canonical form (for traces and messages).
std::string describe(const Fault& fault);

}  // namespace mpsock
