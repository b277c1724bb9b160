// platform.h on Linux.
#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "platform.h"

namespace mpsock::platform {

int open_socket(int domain, int type) {
  const int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? -errno : fd;
}

size_t unacknowledged_bytes(int fd) {
  int queued = 0;
  if (ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0) queued = 0;
  return static_cast<size_t>(queued);
}

bool bind_to_loopback_interface(int fd) {
  static const char kLoopback[] = "lo";
  return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, kLoopback, sizeof(kLoopback)) == 0;
}

ssize_t receive_datagram(int fd, uint8_t* buf, size_t len, sockaddr_storage* sender,
                         DatagramRead how) {
  // recvfrom, not recvmsg: the kernel copies no message header in (CPython's recvfrom makes
  // the same call). MSG_TRUNC makes a datagram socket's recvfrom answer the datagram's size.
  const int flags = MSG_DONTWAIT | (how.peek ? MSG_PEEK : 0) | (how.full_size ? MSG_TRUNC : 0);
  ssize_t n;
  do {
    socklen_t sender_length = sizeof(*sender);
    n = ::recvfrom(fd, buf, len, flags, reinterpret_cast<sockaddr*>(sender), &sender_length);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

int receive_datagrams(int fd, DatagramSlot* slots, int count) {
  if (count > kMostDatagramsAtOnce) count = kMostDatagramsAtOnce;
  iovec pieces[kMostDatagramsAtOnce];
  mmsghdr messages[kMostDatagramsAtOnce];
  for (int i = 0; i < count; ++i) {
    pieces[i] = iovec{slots[i].buf, slots[i].len};
    messages[i] = mmsghdr{};
    messages[i].msg_hdr.msg_name = &slots[i].sender;
    messages[i].msg_hdr.msg_namelen = sizeof(slots[i].sender);
    messages[i].msg_hdr.msg_iov = &pieces[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  int got;
  do {
    got = ::recvmmsg(fd, messages, count, MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return -errno;
  for (int i = 0; i < got; ++i) slots[i].size = messages[i].msg_len;
  return got;
}

int reconnect_datagram(int fd, const sockaddr* to, socklen_t to_length) {
  // A UDP socket's connect(2) replaces the peer it had; libuv's errors are negative errno here.
  int r;
  do {
    r = ::connect(fd, to, to_length);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? 0 : -errno;
}

ssize_t send_datagram(int fd, const uint8_t* data, size_t len, const sockaddr* to, socklen_t to_length) {
  ssize_t n;
  do {
    n = ::sendto(fd, data, len, MSG_DONTWAIT, to, to == nullptr ? 0 : to_length);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

ssize_t send_stream(int fd, const uint8_t* data, size_t len) {
  ssize_t n;
  do {
    n = ::send(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EWOULDBLOCK || errno == ENOBUFS)) return -EAGAIN;
  return n < 0 ? -errno : n;
}

bool set_blocking_file(int fd, bool blocking) {
  // One call, no F_GETFL: of the flags F_SETFL sets, the core's sockets have only O_NONBLOCK.
  return fcntl(fd, F_SETFL, blocking ? 0 : O_NONBLOCK) == 0;
}

void set_receive_timeout_ms(int fd, int64_t ms) {
  const timeval timeout{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
}

void end_reading(int fd) {
  shutdown(fd, SHUT_RD);
}

int open_wakeup() {
  const int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return fd < 0 ? -errno : fd;
}

void signal_wakeup(int fd) {
  const uint64_t one = 1;
  ssize_t n;
  do {
    n = ::write(fd, &one, sizeof(one));
  } while (n < 0 && errno == EINTR);
}

void drain_wakeup(int fd) {
  uint64_t count;
  ssize_t n;
  do {
    n = ::read(fd, &count, sizeof(count));
  } while (n < 0 && errno == EINTR);
}

int poll_us(pollfd* fds, nfds_t count, int64_t timeout_us) {
  if (timeout_us < 0) return ::ppoll(fds, count, nullptr, nullptr);
  const timespec timeout{static_cast<time_t>(timeout_us / 1000000), static_cast<long>(timeout_us % 1000000) * 1000};
  return ::ppoll(fds, count, &timeout, nullptr);
}

void close_wakeup(int fd) {
  close(fd);
}

}  // namespace mpsock::platform
