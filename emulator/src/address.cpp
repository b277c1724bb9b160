#include "mpsock/address.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace mpsock {

IpAddress IpAddress::any(int family) {
  IpAddress ip;
  ip.family = family;
  return ip;
}

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

IpAddress IpAddress::loopback(int family) {
  if (family == MP_AF_INET6) {
    IpAddress ip = any(MP_AF_INET6);
    ip.bytes[15] = 1;
    return ip;
  }
  return v4(127, 0, 0, 1);
}

IpAddress IpAddress::loopback_like(const IpAddress& ip) {
  if (!ip.is_v4_mapped()) return loopback(ip.family);
  IpAddress mapped = any(MP_AF_INET6);
  mapped.bytes[10] = mapped.bytes[11] = 0xff;
  mapped.bytes[12] = 127;
  mapped.bytes[15] = 1;
  return mapped;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
// lwIP's own ASCII tests (lwip_isdigit and friends), not the C library's locale-aware ones:
// every connect and sendto parses its address.
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_hex_letter(unsigned char c) { return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// BSD inet_aton grammar, as lwIP's ip4addr_aton implements it: up to four numbers separated
// by dots, each decimal, octal (leading 0) or hex (0x); the last one fills the remaining bytes.
// Unsigned arithmetic wraps like lwIP's u32_t does.
std::optional<IpAddress> parse_ipv4(std::string_view text) {
  uint32_t parts[4] = {0, 0, 0, 0};
  size_t count = 0;
  size_t i = 0;
  uint32_t value = 0;
  for (;;) {
    if (i >= text.size() || !is_digit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    value = 0;
    uint32_t base = 10;
    if (text[i] == '0') {
      ++i;
      if (i < text.size() && (text[i] == 'x' || text[i] == 'X')) {
        base = 16;
        ++i;
      } else {
        base = 8;
      }
    }
    for (; i < text.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (is_digit(c) && (base != 8 || c < '8')) {
        value = value * base + (c - '0');
      } else if (base == 16 && is_hex_letter(c)) {
        value = (value << 4) | static_cast<uint32_t>((c | 0x20) - 'a' + 10);
      } else {
        break;
      }
    }
    if (i < text.size() && text[i] == '.') {
      // a.b.c.d: the first three parts are bytes; a fourth dot is an error.
      if (count >= 3 || value > 0xff) return std::nullopt;
      parts[count++] = value;
      ++i;
      continue;
    }
    break;
  }
  if (i < text.size() && !is_space(text[i])) return std::nullopt;

  uint32_t address = 0;
  switch (count) {
    case 0:  // a: 32 bits
      address = value;
      break;
    case 1:  // a.b: 8.24 bits
      if (value > 0xffffffu) return std::nullopt;
      address = (parts[0] << 24) | value;
      break;
    case 2:  // a.b.c: 8.8.16 bits
      if (value > 0xffffu) return std::nullopt;
      address = (parts[0] << 24) | (parts[1] << 16) | value;
      break;
    default:  // a.b.c.d
      if (value > 0xffu) return std::nullopt;
      address = (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | value;
      break;
  }
  return IpAddress::v4(static_cast<uint8_t>(address >> 24), static_cast<uint8_t>(address >> 16),
                       static_cast<uint8_t>(address >> 8), static_cast<uint8_t>(address));
}

std::optional<IpAddress> parse_ipv6(std::string_view text) {
  std::string host(text);
  uint32_t scope = 0;
  const size_t percent = host.find('%');
  if (percent != std::string::npos) {
    const std::string zone = host.substr(percent + 1);
    if (zone.empty() || zone.size() > 10) return std::nullopt;
    for (char c : zone) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    scope = static_cast<uint32_t>(std::strtoul(zone.c_str(), nullptr, 10));
    host.resize(percent);
  }
  IpAddress ip = IpAddress::any(MP_AF_INET6);
  if (inet_pton(AF_INET6, host.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  ip.scope_id = scope;
  return ip;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text, bool allow_ipv6) {
  if (text.empty()) return any(MP_AF_INET);
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  if (text.find(':') != std::string_view::npos) {
    if (!allow_ipv6) return std::nullopt;
    return parse_ipv6(text);
  }
  return parse_ipv4(text);
}

bool IpAddress::is_any() const {
  const size_t n = family == MP_AF_INET6 ? 16 : 4;
  for (size_t i = 0; i < n; ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

bool IpAddress::is_v4_mapped() const {
  if (family != MP_AF_INET6) return false;
  for (size_t i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

bool IpAddress::is_wildcard() const {
  if (is_any()) return true;
  return is_v4_mapped() && bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0 && bytes[15] == 0;
}

bool IpAddress::is_loopback() const {
  if (family == MP_AF_INET) return bytes[0] == 127;
  if (is_v4_mapped()) return bytes[12] == 127;
  IpAddress unscoped = *this;
  unscoped.scope_id = 0;
  return unscoped == loopback(MP_AF_INET6);
}

bool IpAddress::is_multicast() const {
  if (family == MP_AF_INET) return (bytes[0] & 0xf0) == 0xe0;
  if (is_v4_mapped()) return (bytes[12] & 0xf0) == 0xe0;
  return bytes[0] == 0xff;
}

bool IpAddress::is_limited_broadcast() const {
  return family == MP_AF_INET && bytes[0] == 255 && bytes[1] == 255 && bytes[2] == 255 &&
         bytes[3] == 255;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {0};
  if (family == MP_AF_INET6) {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof(text));
    return text;
  }
  // inet_ntop's "%u.%u.%u.%u" by hand: glibc formats it with sprintf, which costs as much as
  // the rest of a recvfrom in the bindings, and every received datagram's sender is formatted.
  size_t n = 0;
  for (size_t i = 0; i < 4; ++i) {
    const unsigned byte = bytes[i];
    if (byte >= 100) text[n++] = static_cast<char>('0' + byte / 100);
    if (byte >= 10) text[n++] = static_cast<char>('0' + byte / 10 % 10);
    text[n++] = static_cast<char>('0' + byte % 10);
    if (i < 3) text[n++] = '.';
  }
  return std::string(text, n);
}

}  // namespace mpsock
