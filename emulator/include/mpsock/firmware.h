// The MicroPython release a profile follows, and the behaviours of its lwIP socket module
// (extmod/modlwip.c) that changed from one release to the next. Every version check of the
// emulator is one of the named functions below, so "what changed, and when" has one answer;
// docs/firmware-behaviour.md lists the same changes with the conformance case of each.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mpsock {

struct MicroPythonVersion {
  int major = 1;
  int minor = 28;
  int micro = 0;

  // "1.24", "1.24.1", "v1.24.0" (a leading v, a missing micro number taken as 0); nullopt
  // for anything else.
  static std::optional<MicroPythonVersion> parse(std::string_view text);
  std::string to_string() const;  // "1.24.0"

  int ordinal() const { return (major * 1000 + minor) * 1000 + micro; }
  bool operator<(const MicroPythonVersion& other) const { return ordinal() < other.ordinal(); }
  bool operator>=(const MicroPythonVersion& other) const { return ordinal() >= other.ordinal(); }
  bool operator==(const MicroPythonVersion& other) const { return ordinal() == other.ordinal(); }
};

// The releases the emulator can follow. 1.22 is the last before the changes listed below; the
// newest is the one the current OpenMV firmware is built on.
inline constexpr MicroPythonVersion kOldestFollowed{1, 22, 0};
inline constexpr MicroPythonVersion kNewestFollowed{1, 28, 0};

// One change of the socket module: what a script sees from `since` on, and where it came from.
struct FirmwareChange {
  const char* name;  // as the named check below
  MicroPythonVersion since;
  const char* what;
};

// Every change, oldest first (for `mpsock profiles` and the tests).
const std::vector<FirmwareChange>& firmware_changes();

// ---- The named checks: true when the release `v` behaves the newer way ----

// v1.23 ("lwip: socket: Use Nagle algorithm and add support for TCP_NODELAY"): IPPROTO_TCP and
// TCP_NODELAY exist and setsockopt takes TCP_NODELAY. Before, the option is unknown (a printed
// warning) and the constants are missing.
bool has_tcp_nodelay(const MicroPythonVersion& v);

// v1.24: a non-blocking connect polls the stack once (up to the next event or the 1 ms tick)
// before it raises EINPROGRESS, so on a fast link it completes at once. Before, it always
// raises EINPROGRESS.
bool connect_polls_once(const MicroPythonVersion& v);

// v1.25: send on a TCP socket whose connect is still in progress waits for the connection (or
// raises EAGAIN when non-blocking). Before, lwIP's tcp_write queued the data at once, to go
// out after the handshake.
bool send_waits_for_connection(const MicroPythonVersion& v);

// v1.26 ("Implement a queue of incoming UDP/raw packets"): a UDP socket queues up to 4
// datagrams. Before, it held one and dropped the rest until it was read.
bool queues_udp_datagrams(const MicroPythonVersion& v);

// v1.26 ("Add support for socket recv flags argument"): recv/recvfrom take flags, with
// MSG_PEEK and MSG_DONTWAIT. Before, they take no flags argument and the constants are missing.
bool has_recv_flags(const MicroPythonVersion& v);

// v1.27 ("lwip: Support family specification in getaddrinfo"): on a board with IPv6, the
// family asks DNS for that kind of address. Before, the family only decided the warning.
bool getaddrinfo_honours_family(const MicroPythonVersion& v);

// v1.28 ("Keep TCP data on remote RST"): data received before the peer's reset is still read,
// then the reset is reported. Before, the reset threw that data away.
bool keeps_data_on_reset(const MicroPythonVersion& v);

}  // namespace mpsock
