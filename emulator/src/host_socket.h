// The host side of an emulated socket: kernel descriptors, sockaddr conversion and the mapping
// from host (libuv) errors to the errno the firmware would report.
#pragma once

#include <sys/socket.h>

#include "mpsock/address.h"
#include "mpsock/errors.h"

namespace mpsock {

struct HostAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};

HostAddress to_host_address(const IpAddress& ip, uint16_t port);
// IPv4-mapped IPv6 addresses come back as IPv4, as lwIP would show them.
Endpoint from_host_address(const sockaddr* address);

// A non-blocking, close-on-exec kernel socket of the family `ip` needs; negative errno on error.
int open_host_socket(const IpAddress& ip, int sock_type);

// The errno lwIP reports for a host error (a negative libuv code) from connect or I/O.
int firmware_errno_for_connect(int uv_error);
int firmware_errno_for_io(int uv_error);
// For bind/listen: address errors keep their meaning.
int firmware_errno_for_bind(int uv_error);

}  // namespace mpsock
