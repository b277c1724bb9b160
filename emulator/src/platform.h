// The host calls the core makes beyond libuv's and POSIX's, each behind one function: a
// non-blocking socket, the kernel's count of unacknowledged bytes, tying a socket to loopback,
// reading and sending datagrams, and a wake-up descriptor. Linux's are in
// platform_linux.cpp. A port to another system implements this header in one file of its own
// (platform_<system>.cpp, chosen in emulator/CMakeLists.txt); the rest of the core uses only
// libuv, POSIX sockets and poll(). Errors come back as negative errno values.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace mpsock::platform {

// ---- Sockets ----

// A non-blocking, close-on-exec kernel socket, or negative errno. Linux: socket() with
// SOCK_NONBLOCK | SOCK_CLOEXEC.
int open_socket(int domain, int type);

// The bytes a TCP socket's send queue still holds (not yet sent, or sent and not yet
// acknowledged by the peer); 0 when the host cannot tell. Linux: the SIOCOUTQ ioctl.
size_t unacknowledged_bytes(int fd);

// Ties a socket to the loopback interface, so nothing from another interface reaches it; false
// when the host will not. Linux: SO_BINDTODEVICE "lo".
bool bind_to_loopback_interface(int fd);

// ---- Datagrams ----

// How receive_datagram reads: leaving the datagram queued (peek); returning the datagram's own
// size when it is longer than the buffer (full_size; Linux: MSG_TRUNC). Never waits.
struct DatagramRead {
  bool peek = false;
  bool full_size = false;
};

// One datagram, cut to `len`, its sender's address in `sender`: the bytes read (or its own
// size, see DatagramRead), or negative errno (-EAGAIN when there is none). EINTR is retried.
ssize_t receive_datagram(int fd, uint8_t* buf, size_t len, sockaddr_storage* sender,
                         DatagramRead how = {});

// One datagram's place in receive_datagrams: the buffer to fill; then its sender, and its own
// size (even when it was cut to `len`).
struct DatagramSlot {
  uint8_t* buf = nullptr;
  size_t len = 0;
  sockaddr_storage sender{};
  size_t size = 0;
};

// Up to `count` (at most kMostDatagramsAtOnce) datagrams without waiting, in one system call
// where the host has one (Linux: recvmmsg with MSG_TRUNC): how many were read, or negative
// errno (-EAGAIN when there were none). EINTR is retried.
inline constexpr int kMostDatagramsAtOnce = 8;
int receive_datagrams(int fd, DatagramSlot* slots, int count);

// Connects a connected datagram socket to another peer, keeping its port: 0 or a libuv error
// (uv_udp_connect's form). Linux: connect.
int reconnect_datagram(int fd, const sockaddr* to, socklen_t to_length);

// Sends one datagram, to `to` (nullptr: the connected peer's), without waiting: the bytes
// sent or negative errno. EINTR is retried. Linux: sendto.
ssize_t send_datagram(int fd, const uint8_t* data, size_t len, const sockaddr* to, socklen_t to_length);

// ---- Streams ----

// Writes what a connected stream socket takes now, without waiting: the bytes written, or
// negative errno (-EAGAIN when it takes none). EINTR is retried; a peer gone raises no
// SIGPIPE. Linux: send, which skips the file layer write(2) goes through (uv_try_write's
// call) for the socket's own entry point.
ssize_t send_stream(int fd, const uint8_t* data, size_t len);

// Sets or clears O_NONBLOCK on the open file behind `fd` (every descriptor of it, and every
// call without MSG_DONTWAIT), a socket of the core's with no other file flag. True when it
// took. Linux: fcntl.
bool set_blocking_file(int fd, bool blocking);

// A blocking recv on `fd` gives up after `ms` (EAGAIN). Linux: SO_RCVTIMEO.
void set_receive_timeout_ms(int fd, int64_t ms);

// Ends a blocking recv on a connected stream socket, in another thread, at once (and makes one
// not yet begun return at once): the socket reads no more (0, the end of the stream). For a
// socket about to close. Linux: shutdown(SHUT_RD), which wakes the kernel's sleepers.
void end_reading(int fd);

// ---- Waiting ----

// poll() with its timeout in microseconds (negative: none), so a wait can end sooner than a
// millisecond (Stack::wait_for_acks). The result and errno are poll()'s. Linux: ppoll.
int poll_us(pollfd* fds, nfds_t count, int64_t timeout_us);

// ---- Wake-ups ----

// A descriptor poll() sees readable once signalled, until drained (Linux: an eventfd), or
// negative errno.
int open_wakeup();
void signal_wakeup(int fd);
void drain_wakeup(int fd);
void close_wakeup(int fd);

}  // namespace mpsock::platform
