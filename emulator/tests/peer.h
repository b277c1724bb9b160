// Native (kernel) sockets playing the other end of a test over loopback. Every call has a
// timeout, so a bug in the emulator fails a test instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "mpsock/mpsock.h"

namespace mpsock::test {

inline constexpr int kPeerTimeoutMs = 5000;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.fd_;
      other.fd_ = -1;
    }
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

inline void set_timeouts(int fd) {
  timeval tv{kPeerTimeoutMs / 1000, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

inline sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

inline uint16_t local_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// A listening TCP socket on 127.0.0.1 and an ephemeral port.
inline Fd tcp_listener(int backlog = 8) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int on = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in addr = loopback(0);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(fd.get(), backlog);
  set_timeouts(fd.get());
  return fd;
}

// accept() with the peer timeout; an invalid Fd on timeout.
inline Fd tcp_accept(int listener) {
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, kPeerTimeoutMs) != 1) return Fd();
  Fd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  set_timeouts(fd.get());
  return fd;
}

inline Fd tcp_connect(uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  set_timeouts(fd.get());
  sockaddr_in addr = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return Fd();
  return fd;
}

inline Fd udp_socket() {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = loopback(0);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  set_timeouts(fd.get());
  return fd;
}

// A datagram from the kernel socket `fd` to the loopback `port`.
inline void native_sendto(int fd, const std::string& data, uint16_t port) {
  sockaddr_in to = loopback(port);
  ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
}

inline bool send_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads exactly n bytes (or fewer at EOF/timeout).
inline std::string recv_exactly(int fd, size_t n) {
  std::string data;
  char buf[65536];
  while (data.size() < n) {
    const size_t want = std::min(sizeof(buf), n - data.size());
    const ssize_t got = ::recv(fd, buf, want, 0);
    if (got <= 0) break;
    data.append(buf, static_cast<size_t>(got));
  }
  return data;
}

// Closes with RST: SO_LINGER with a zero timeout.
inline void reset_close(Fd& fd) {
  linger lg{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  fd.reset();
}

inline Endpoint endpoint(uint16_t port) { return Endpoint{IpAddress::loopback(), port}; }

// A listener whose one-slot accept queue is full: the host drops SYNs to it, so a connect
// there stays in progress (until the filler is accepted, or the connect gives up).
struct Unanswering {
  Fd listener = tcp_listener(0);
  Fd filler = tcp_connect(local_port(listener.get()));
  uint16_t port() const { return local_port(listener.get()); }
};

// A profile by name (asserting it exists), optionally following an older MicroPython release.
inline Profile profile_named(const char* name, const char* micropython = nullptr) {
  const Profile* found = find_profile(name);
  Profile profile = found ? *found : default_profile();
  if (micropython != nullptr) {
    std::optional<Profile> older = with_firmware(profile, *MicroPythonVersion::parse(micropython));
    if (older) profile = *older;
  }
  return profile;
}

// An emulator socket, asserting creation worked.
inline std::shared_ptr<Socket> open(const std::shared_ptr<Stack>& stack, int type) {
  auto created = stack->open_socket(MP_AF_INET, type, 0);
  return created ? created.value() : nullptr;
}

// An emulator client connected to a native server over loopback.
struct Connected {
  std::shared_ptr<Stack> stack;
  Fd listener = tcp_listener();
  std::shared_ptr<Socket> client;
  Fd server;
  explicit Connected(const Profile& profile = default_profile()) : stack(Stack::create(profile)) {
    client = open(stack, MP_SOCK_STREAM);
    if (client && client->connect(endpoint(local_port(listener.get())))) server = tcp_accept(listener.get());
  }
  bool ok() const { return client && server.get() >= 0; }
};

// Sends `data` on the kernel socket `fd` from another thread 50 ms from now, when a receive
// started now is asleep in its wait.
inline std::thread send_later(int fd, std::string data) {
  return std::thread([fd, data] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    send_all(fd, data);
  });
}

// A receive of up to `n` bytes, as text; "<errno N>" for an error.
inline std::string recv_as_text(Socket& socket, size_t n) {
  std::string buf(n, '\0');
  auto got = socket.recv(reinterpret_cast<uint8_t*>(&buf[0]), n, 0);
  if (!got) return "<errno " + std::to_string(got.error().code) + ">";
  buf.resize(*got);
  return buf;
}

// How many turns the stack's loop has run (Stack::turns), read under its lock.
inline uint64_t turns_of(Stack& stack) {
  std::lock_guard<std::mutex> guard(stack.mutex());
  return stack.turns();
}

// One turn of the loop, as a waiting call would run it.
inline void run_loop_once(Stack& stack) {
  std::lock_guard<std::mutex> guard(stack.mutex());
  stack.pump();
}

// Whether `socket` reports MP_POLLIN within `ms`, looked at every 5 ms. Socket::poll runs no
// turn of the loop, so a socket whose readiness only the loop records (a UDP datagram is queued
// by a turn) becomes readable only if some thread's wait turns the loop meanwhile.
inline bool becomes_readable(Socket& socket, int ms) {
  for (int waited = 0; waited < ms; waited += 5) {
    if (socket.poll(MP_POLLIN) & MP_POLLIN) return true;
    ::usleep(5000);
  }
  return (socket.poll(MP_POLLIN) & MP_POLLIN) != 0;
}

}  // namespace mpsock::test
