#include "mpsock/firmware.h"

#include <cctype>

namespace mpsock {

namespace {

// The release each change came in. The names and releases are those of MicroPython's release
// notes and the pull requests that changed extmod/modlwip.c.
constexpr MicroPythonVersion kTcpNodelay{1, 23, 0};
constexpr MicroPythonVersion kConnectPollsOnce{1, 24, 0};
constexpr MicroPythonVersion kSendWaitsForConnection{1, 25, 0};
constexpr MicroPythonVersion kUdpQueueAndRecvFlags{1, 26, 0};
constexpr MicroPythonVersion kGetaddrinfoFamily{1, 27, 0};
constexpr MicroPythonVersion kKeepsDataOnReset{1, 28, 0};

// A decimal number at the front of `text`, consumed; nullopt if there is none.
std::optional<int> take_number(std::string_view& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 4) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < digits; ++i) value = value * 10 + (text[i] - '0');
  text.remove_prefix(digits);
  return value;
}

}  // namespace

std::optional<MicroPythonVersion> MicroPythonVersion::parse(std::string_view text) {
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  MicroPythonVersion version{0, 0, 0};
  std::optional<int> major = take_number(text);
  if (!major || text.empty() || text.front() != '.') return std::nullopt;
  text.remove_prefix(1);
  std::optional<int> minor = take_number(text);
  if (!minor) return std::nullopt;
  version.major = *major;
  version.minor = *minor;
  if (!text.empty()) {
    if (text.front() != '.') return std::nullopt;
    text.remove_prefix(1);
    std::optional<int> micro = take_number(text);
    if (!micro || !text.empty()) return std::nullopt;
    version.micro = *micro;
  }
  return version;
}

std::string MicroPythonVersion::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(micro);
}

const std::vector<FirmwareChange>& firmware_changes() {
  static const std::vector<FirmwareChange> changes = {
      {"has_tcp_nodelay", kTcpNodelay,
       "Nagle's algorithm on by default; IPPROTO_TCP, TCP_NODELAY and setsockopt(TCP_NODELAY)"},
      {"connect_polls_once", kConnectPollsOnce,
       "a non-blocking connect polls once before EINPROGRESS (a fast link connects at once)"},
      {"send_waits_for_connection", kSendWaitsForConnection,
       "send while connecting waits for the connection (EAGAIN when non-blocking)"},
      {"queues_udp_datagrams", kUdpQueueAndRecvFlags, "a UDP socket queues 4 datagrams (1 before)"},
      {"has_recv_flags", kUdpQueueAndRecvFlags, "recv/recvfrom take flags: MSG_PEEK, MSG_DONTWAIT"},
      {"getaddrinfo_honours_family", kGetaddrinfoFamily,
       "getaddrinfo's family chooses IPv4 or IPv6 answers (boards with IPv6)"},
      {"keeps_data_on_reset", kKeepsDataOnReset,
       "data received before a peer's reset is read before the reset is reported"},
  };
  return changes;
}

bool has_tcp_nodelay(const MicroPythonVersion& v) {
  return v >= kTcpNodelay;
}
bool connect_polls_once(const MicroPythonVersion& v) {
  return v >= kConnectPollsOnce;
}
bool send_waits_for_connection(const MicroPythonVersion& v) {
  return v >= kSendWaitsForConnection;
}
bool queues_udp_datagrams(const MicroPythonVersion& v) {
  return v >= kUdpQueueAndRecvFlags;
}
bool has_recv_flags(const MicroPythonVersion& v) {
  return v >= kUdpQueueAndRecvFlags;
}
bool getaddrinfo_honours_family(const MicroPythonVersion& v) {
  return v >= kGetaddrinfoFamily;
}
bool keeps_data_on_reset(const MicroPythonVersion& v) {
  return v >= kKeepsDataOnReset;
}

}  // namespace mpsock
