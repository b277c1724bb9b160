// getaddrinfo's name lookup, the way lwIP's dns_gethostbyname answers it: numeric addresses
// at once, then the stack's own host table (so tests and fault injection can resolve and fail
// names deterministically), then the system resolver through uv_getaddrinfo.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "mpsock/address.h"
#include "mpsock/errors.h"

namespace mpsock {

class Stack;

class Resolver {
 public:
  // lwip_getaddrinfo raises these negative numbers (not errno values).
  static constexpr int kNameNotFound = -2;  // the DNS answer says no such name, or no answer
  static constexpr int kInvalidName = -6;   // ERR_VAL: an empty or over-long name
  static constexpr int kNoDnsServer = -6;   // ERR_VAL: no DNS server configured (a static IP without one)
  static constexpr size_t kMaxNameLength = 255;

  explicit Resolver(Stack& stack);

  // The host table. Names are matched without regard to case; a name has at most one address
  // of each family.
  void add_host(const std::string& name, const IpAddress& address);
  // Resolving `name` fails with `code` (negative).
  void add_failure(const std::string& name, int code = kNameNotFound);
  void add_failure_locked(const std::string& name, int code = kNameNotFound);
  void remove_host(const std::string& name);
  void clear_hosts();

  // Whether names the table does not know go to the system resolver. When off they fail with
  // kNameNotFound, as from a DNS server that knows only the table's names.
  void set_use_system_resolver(bool use);
  // Whether the camera has a DNS server (from DHCP, or in its static configuration). Without
  // one, every name that is not a numeric address fails with kNoDnsServer.
  void set_dns_server(bool configured);

  // The address `host` stands for. `family` is getaddrinfo's af argument (0, AF_INET or
  // AF_INET6); IPv6 answers only come from profiles with IPv6, and from v1.27 on only when
  // asked for. Waits for DNS as long as it
  // takes, like the firmware; a signal stops the wait.
  Result<IpAddress> resolve(const std::string& host, int family);

 private:
  struct Entry {
    bool fails = false;
    int code = 0;
    std::optional<IpAddress> v4;
    std::optional<IpAddress> v6;
  };
  static std::string lowercase(const std::string& name);
  Result<IpAddress> resolve_with_system(const std::string& host, int family, bool ipv6);

  Stack& stack_;
  std::map<std::string, Entry> hosts_;
  bool use_system_resolver_ = true;
  bool dns_server_ = true;
};

}  // namespace mpsock
