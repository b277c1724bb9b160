#include "host_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>

#include "platform.h"

namespace mpsock {

HostAddress to_host_address(const IpAddress& ip, uint16_t port) {
  HostAddress host;
  if (ip.family == MP_AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&host.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, ip.bytes.data(), 16);
    in6->sin6_scope_id = ip.scope_id;
    host.length = sizeof(sockaddr_in6);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&host.storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    std::memcpy(&in4->sin_addr, ip.bytes.data(), 4);
    host.length = sizeof(sockaddr_in);
  }
  return host;
}

Endpoint from_host_address(const sockaddr* address) {
  Endpoint endpoint;
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    endpoint.port = ntohs(in6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      const uint8_t* b = in6->sin6_addr.s6_addr + 12;
      endpoint.ip = IpAddress::v4(b[0], b[1], b[2], b[3]);
    } else {
      endpoint.ip = IpAddress::any(MP_AF_INET6);
      std::memcpy(endpoint.ip.bytes.data(), &in6->sin6_addr, 16);
      endpoint.ip.scope_id = in6->sin6_scope_id;
    }
  } else if (address->sa_family == AF_INET) {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(address);
    endpoint.port = ntohs(in4->sin_port);
    std::memcpy(endpoint.ip.bytes.data(), &in4->sin_addr, 4);
  }
  return endpoint;
}

int open_host_socket(const IpAddress& ip, int sock_type) {
  const int domain = ip.family == MP_AF_INET6 ? AF_INET6 : AF_INET;
  const int fd = platform::open_socket(domain, sock_type);
  if (fd < 0) return fd;
  if (domain == AF_INET6) {
    // Dual stack, as an lwIP pcb of type "any" would be.
    const int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
  }
  return fd;
}

int firmware_errno_for_connect(int uv_error) {
  switch (uv_error) {
    // lwIP sees the peer's RST to its SYN as ERR_RST.
    case UV_ECONNREFUSED:
    case UV_ECONNRESET:
      return MP_ECONNRESET;
    case UV_ETIMEDOUT:
      return MP_ETIMEDOUT;
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
    case UV_EADDRNOTAVAIL:
    case UV_EAFNOSUPPORT:
      return MP_EHOSTUNREACH;
    case UV_EADDRINUSE:
      return MP_EADDRINUSE;
    case UV_ENOMEM:
    case UV_ENOBUFS:
      return MP_ENOMEM;
    default:
      return MP_ECONNABORTED;
  }
}

int firmware_errno_for_io(int uv_error) {
  switch (uv_error) {
    case UV_ECONNRESET:
    case UV_EPIPE:
      return MP_ECONNRESET;
    case UV_ETIMEDOUT:
      return MP_ETIMEDOUT;
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
      return MP_EHOSTUNREACH;
    case UV_ENOMEM:
    case UV_ENOBUFS:
      return MP_ENOMEM;
    default:
      return MP_ECONNABORTED;
  }
}

int firmware_errno_for_bind(int uv_error) {
  switch (uv_error) {
    case UV_EADDRINUSE:
      return MP_EADDRINUSE;
    case UV_EACCES:
      // A privileged port on a host where we are not root. The camera has no such rule, so
      // this is the host's error, reported as such rather than dressed as a firmware one.
      return MP_EACCES;
    case UV_ENOMEM:
    case UV_ENOBUFS:
      return MP_ENOMEM;
    default:
      return MP_EINVAL;
  }
}

}  // namespace mpsock
