// The other end of a core benchmark: native (kernel) sockets on 127.0.0.1, and emulated sockets
// connected to them. Failures abort: a benchmark that cannot set up has nothing to measure.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "mpsock/mpsock.h"
#include "peer.h"

namespace mpsock::bench {

[[noreturn]] inline void die(const char* what) {
  std::perror(what);
  std::abort();
}

// An owned kernel descriptor, and loopback addresses: the test suite's (emulator/tests/peer.h).
using KernelFd = test::Fd;

inline sockaddr_in loopback_address(uint16_t port) { return test::loopback(port); }

inline uint16_t port_of(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) die("getsockname");
  return ntohs(address.sin_port);
}

inline KernelFd kernel_listener(int backlog = 4096) {
  KernelFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int on = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in address = loopback_address(0);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) die("bind");
  if (::listen(fd.get(), backlog) != 0) die("listen");
  return fd;
}

inline KernelFd kernel_accept(int listener) {
  const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) die("accept");
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  return KernelFd(fd);
}

inline KernelFd kernel_connect(uint16_t port) {
  KernelFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback_address(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
    die("connect");
  return fd;
}

inline void write_all(int fd, const void* data, size_t len) {
  const auto* p = static_cast<const char*>(data);
  while (len > 0) {
    const ssize_t n = ::send(fd, p, len, MSG_NOSIGNAL);
    if (n <= 0) die("send");
    p += n;
    len -= static_cast<size_t>(n);
  }
}

inline void read_exact(int fd, void* data, size_t len) {
  auto* p = static_cast<char*>(data);
  while (len > 0) {
    const ssize_t n = ::recv(fd, p, len, 0);
    if (n <= 0) die("recv");
    p += n;
    len -= static_cast<size_t>(n);
  }
}

inline Endpoint loopback_endpoint(uint16_t port) {
  return Endpoint{IpAddress::loopback(), port};
}

inline std::shared_ptr<Stack> desktop_stack() {
  return Stack::create(*find_profile("desktop"));
}

inline std::shared_ptr<Socket> open_socket(const std::shared_ptr<Stack>& stack, int type) {
  Result<std::shared_ptr<Socket>> socket = stack->open_socket(MP_AF_INET, type, 0);
  if (!socket) die("open_socket");
  return *socket;
}

inline std::shared_ptr<Socket> connect_to(const std::shared_ptr<Stack>& stack, uint16_t port) {
  std::shared_ptr<Socket> socket = open_socket(stack, MP_SOCK_STREAM);
  if (!socket->connect(loopback_endpoint(port))) die("emulated connect");
  return socket;
}

// Runs the stack's loop once on this thread: whatever the kernel has ready lands in the
// sockets' queues.
inline void pump(Stack& stack) {
  std::lock_guard<std::mutex> guard(stack.mutex());
  stack.pump();
}

// An emulated TCP socket connected to a kernel socket on loopback.
struct TcpPair {
  std::shared_ptr<Stack> stack = desktop_stack();
  KernelFd listener = kernel_listener();
  std::shared_ptr<Socket> emulated;
  KernelFd kernel;

  TcpPair() {
    emulated = connect_to(stack, port_of(listener.get()));
    kernel = kernel_accept(listener.get());
  }
};

}  // namespace mpsock::bench
