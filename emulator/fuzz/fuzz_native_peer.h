// Native (kernel) peers for the fuzz harnesses' blocking calls, each on its own thread: a TCP
// reader or sender, fast or slow, that checks or produces a byte pattern; a UDP sender; a TCP
// client. And a watchdog that fails the input when a blocking call sleeps through its wake-up.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>

namespace mpsock::fuzz {

// Far longer than any exchange here takes, even under a sanitizer; shorter than libFuzzer's
// -timeout, so the failure says what hung.
inline constexpr int kWatchdogMs = 8000;
// How long a native peer waits for the other end before it gives up.
inline constexpr int kPeerWaitMs = 9000;

// Aborts the process with `what` unless it is destroyed within kWatchdogMs.
class Watchdog {
 public:
  explicit Watchdog(const char* what)
      : thread_([this, what] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!done_changed_.wait_for(lock, std::chrono::milliseconds(kWatchdogMs),
                                      [this] { return done_; })) {
            std::fprintf(stderr,
                         "fuzz check failed: %s did not return within %d ms: a lost wake-up\n",
                         what, kWatchdogMs);
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      done_ = true;
    }
    done_changed_.notify_one();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
  std::thread thread_;  // last: it starts once the rest is there
};

inline sockaddr_in native_loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

inline uint16_t native_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

inline bool readable_within(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

// One TCP connection from the emulator, served on a thread: `serve(fd)` runs on the accepted
// descriptor. The listener is open (port()) before the thread starts.
class NativeTcpPeer {
 public:
  explicit NativeTcpPeer(std::function<void(int)> serve)
      : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr = native_loopback(0);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listener_, 1);
    port_ = native_port(listener_);
    thread_ = std::thread([this, serve] {
      if (!readable_within(listener_, kPeerWaitMs)) return;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      timeval tv{kPeerWaitMs / 1000, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
      serve(fd);
      ::close(fd);
    });
  }
  ~NativeTcpPeer() { join(); }
  NativeTcpPeer(const NativeTcpPeer&) = delete;
  NativeTcpPeer& operator=(const NativeTcpPeer&) = delete;

  uint16_t port() const { return port_; }
  void join() {
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
  }

 private:
  int listener_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// Counts bytes as a native peer reads them, and lets another thread wait for a count.
class ByteCount {
 public:
  void add(size_t n) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      count_ += n;
    }
    changed_.notify_all();
  }
  void finish() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      finished_ = true;
    }
    changed_.notify_all();
  }
  // Waits until `n` bytes were counted or the peer stopped; the count then.
  size_t wait_for(size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(kPeerWaitMs),
                      [&] { return count_ >= n || finished_; });
    return count_;
  }
  size_t now() {
    std::lock_guard<std::mutex> guard(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t count_ = 0;
  bool finished_ = false;
};

}  // namespace mpsock::fuzz
