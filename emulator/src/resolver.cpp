#include "mpsock/resolver.h"

#include <netdb.h>
#include <sys/socket.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include "host_socket.h"
#include "mpsock/stack.h"

namespace mpsock {

namespace {

// One uv_getaddrinfo request. It outlives a waiter that gave up (signal), so it is shared
// between the waiter and the callback.
struct Lookup {
  uv_getaddrinfo_t request;
  bool done = false;
  int status = 0;
  std::optional<IpAddress> address;
  std::shared_ptr<Lookup> self;  // keeps the request alive until its callback
};

void on_resolved(uv_getaddrinfo_t* request, int status, addrinfo* result) {
  auto* lookup = reinterpret_cast<Lookup*>(request);
  lookup->done = true;
  lookup->status = status;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
      lookup->address = from_host_address(ai->ai_addr).ip;
      break;
    }
  }
  uv_freeaddrinfo(result);
  static_cast<Stack*>(request->data)->notify_changed();
  std::shared_ptr<Lookup> keep = std::move(lookup->self);  // may free the lookup
}

}  // namespace

Resolver::Resolver(Stack& stack) : stack_(stack) {}

std::string Resolver::lowercase(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

void Resolver::add_host(const std::string& name, const IpAddress& address) {
  std::lock_guard<std::mutex> guard(stack_.mutex());
  // A name keeps one address of each family, as a DNS server answers A and AAAA apart.
  Entry& entry = hosts_[lowercase(name)];
  if (entry.fails) entry = Entry{};
  (address.family == MP_AF_INET6 ? entry.v6 : entry.v4) = address;
}

void Resolver::add_failure(const std::string& name, int code) {
  std::lock_guard<std::mutex> guard(stack_.mutex());
  add_failure_locked(name, code);
}

void Resolver::add_failure_locked(const std::string& name, int code) {
  Entry failing;
  failing.fails = true;
  failing.code = code < 0 ? code : kNameNotFound;
  hosts_[lowercase(name)] = failing;
}

void Resolver::remove_host(const std::string& name) {
  std::lock_guard<std::mutex> guard(stack_.mutex());
  hosts_.erase(lowercase(name));
}

void Resolver::clear_hosts() {
  std::lock_guard<std::mutex> guard(stack_.mutex());
  hosts_.clear();
}

void Resolver::set_use_system_resolver(bool use) {
  std::lock_guard<std::mutex> guard(stack_.mutex());
  use_system_resolver_ = use;
}

void Resolver::set_dns_server(bool configured) {
  std::lock_guard<std::mutex> guard(stack_.mutex());
  dns_server_ = configured;
}

Result<IpAddress> Resolver::resolve(const std::string& host, int family) {
  const Profile profile = stack_.profile();
  const bool ipv6 = profile.ipv6;
  // Before v1.27 the family only decided whether to warn; the lookup asked for IPv4.
  if (!getaddrinfo_honours_family(profile.micropython)) family = 0;
  if (host.empty() || host.size() > kMaxNameLength || host.find('\0') != std::string::npos) {
    return Error::os(kInvalidName);
  }
  // dns_gethostbyname tries ipaddr_aton first: numeric hosts need no DNS.
  if (std::optional<IpAddress> numeric = IpAddress::parse(host, ipv6)) return *numeric;
  // Without the link no DNS query gets out.
  if (!stack_.link_up()) return Error::os(kNameNotFound);

  bool use_system = false;
  {
    std::lock_guard<std::mutex> guard(stack_.mutex());
    // dns_gethostbyname with no server to ask: ERR_VAL, before anything goes out.
    if (!dns_server_) return Error::os(kNoDnsServer);
    auto it = hosts_.find(lowercase(host));
    if (it != hosts_.end()) {
      const Entry& entry = it->second;
      if (entry.fails) return Error::os(entry.code);
      // An IPv6 answer only on a board with IPv6, and first only when asked for; otherwise
      // IPv4 first, as lwIP's default address type.
      const bool v6_usable = entry.v6 && ipv6;
      if (family == MP_AF_INET6 && v6_usable) return *entry.v6;
      if (family == MP_AF_INET6 && entry.v4 && !ipv6) return *entry.v4;
      if (family != MP_AF_INET6 && entry.v4) return *entry.v4;
      if (family == 0 && v6_usable) return *entry.v6;
      return Error::os(kNameNotFound);
    }
    use_system = use_system_resolver_;
  }
  if (!use_system) return Error::os(kNameNotFound);
  return resolve_with_system(host, family, ipv6);
}

Result<IpAddress> Resolver::resolve_with_system(const std::string& host, int family, bool ipv6) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = (ipv6 && family == MP_AF_INET6) ? AF_INET6 : AF_INET;

  std::unique_lock<std::mutex> lock(stack_.mutex());
  auto lookup = std::make_shared<Lookup>();
  lookup->self = lookup;
  lookup->request.data = &stack_;
  const int r = uv_getaddrinfo(stack_.loop(), &lookup->request, on_resolved, host.c_str(), nullptr, &hints);
  if (r != 0) {
    lookup->self.reset();
    return Error::os(kNameNotFound);
  }
  const WaitOutcome outcome = stack_.wait(lock, Deadline::never(), [&] { return lookup->done; });
  if (outcome == WaitOutcome::interrupted) {
    uv_cancel(reinterpret_cast<uv_req_t*>(&lookup->request));
    return Error::interrupted();
  }
  if (lookup->status != 0 || !lookup->address) return Error::os(kNameNotFound);
  return *lookup->address;
}

}  // namespace mpsock
