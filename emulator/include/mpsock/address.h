// IP addresses and endpoints as the firmware parses and prints them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mpsock {

// The socket module's family numbers (modlwip: MOD_NETWORK_AF_INET / AF_INET6).
inline constexpr int MP_AF_INET = 2;
inline constexpr int MP_AF_INET6 = 10;

struct IpAddress {
  int family = MP_AF_INET;         // MP_AF_INET or MP_AF_INET6
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4
  uint32_t scope_id = 0;           // IPv6 zone ("%N"), 0 when absent

  static IpAddress any(int family = MP_AF_INET);
  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  static IpAddress loopback(int family = MP_AF_INET);
  // Loopback written the way `ip` is: 127.0.0.1, ::1, or ::ffff:127.0.0.1 for an IPv4-mapped
  // address (so a dual-stack socket still takes IPv4).
  static IpAddress loopback_like(const IpAddress& ip);

  // Parses a numeric address the way lwIP's ipaddr_aton does: IPv4 in every inet_aton form
  // ("1.2.3.4", "1.2.3", "0x7f.1", octal parts), trailing white space and what follows it
  // ignored; IPv6 (when allowed) in any inet_pton form with an optional numeric "%zone".
  // The empty string is "any". Returns nullopt for anything else, host names included.
  static std::optional<IpAddress> parse(std::string_view text, bool allow_ipv6);

  bool is_any() const;
  bool is_v4_mapped() const;  // ::ffff:a.b.c.d
  // The wildcard in any spelling: 0.0.0.0, ::, or the IPv4 wildcard mapped (::ffff:0.0.0.0).
  bool is_wildcard() const;
  // 127/8, ::1, or 127/8 IPv4-mapped; the zone does not matter.
  bool is_loopback() const;
  bool is_multicast() const;  // IPv4-mapped too
  bool is_limited_broadcast() const;  // 255.255.255.255
  std::string to_string() const;      // "1.2.3.4" / "::1"

  bool operator==(const IpAddress& other) const {
    return family == other.family && bytes == other.bytes && scope_id == other.scope_id;
  }
  bool operator!=(const IpAddress& other) const { return !(*this == other); }
};

struct Endpoint {
  IpAddress ip;
  uint16_t port = 0;

  bool operator==(const Endpoint& other) const { return ip == other.ip && port == other.port; }
};

}  // namespace mpsock
