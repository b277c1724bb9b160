// IpAddress::parse on arbitrary text: never crashes, and whatever it accepts prints back to
// text that parses to the same address (what accept/recvfrom return must be usable again).
// And whatever it accepts, a bind to it lands on the host's loopback unless exposed.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_support.h"

using namespace mpsock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool allow_ipv6 = (data[0] & 1) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::optional<IpAddress> ip = IpAddress::parse(text, allow_ipv6);
  if (!ip) return 0;

  FUZZ_CHECK(ip->family == MP_AF_INET || ip->family == MP_AF_INET6);
  FUZZ_CHECK(allow_ipv6 || ip->family == MP_AF_INET, "IPv6 accepted where it is off");
  if (text.empty()) FUZZ_CHECK(ip->is_any() && ip->family == MP_AF_INET);
  if (ip->family == MP_AF_INET) {
    for (size_t i = 4; i < ip->bytes.size(); ++i)
      FUZZ_CHECK(ip->bytes[i] == 0, "IPv4 bytes beyond 4");
    FUZZ_CHECK(ip->scope_id == 0);
  }

  const std::string printed = ip->to_string();
  FUZZ_CHECK(!printed.empty());
  const std::optional<IpAddress> again = IpAddress::parse(printed, allow_ipv6);
  FUZZ_CHECK(again.has_value(), "'%s' does not parse", printed.c_str());
  // The printed form has no zone: compare the address itself.
  FUZZ_CHECK(again->family == ip->family && again->bytes == ip->bytes,
             "'%s' parses to another address", printed.c_str());

  static const std::shared_ptr<Stack> stack = Stack::create(*find_profile("desktop"));
  for (const bool datagram : {false, true}) {
    const Stack::HostBind bind = stack->host_bind(*ip, datagram);
    const bool on_loopback = bind.ip.is_loopback() && bind.ip.scope_id == 0;
    const bool tied = datagram && bind.loopback_device && bind.ip.scope_id == 0 &&
                      (bind.ip.is_wildcard() || bind.ip.is_multicast());
    FUZZ_CHECK(on_loopback || tied, "'%s' binds beyond loopback", printed.c_str());
    FUZZ_CHECK(bind.ip.family == ip->family, "'%s' binds in another family", printed.c_str());
  }
  return 0;
}
