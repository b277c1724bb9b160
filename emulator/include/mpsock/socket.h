// Socket: the script-visible socket object of the firmware's lwIP socket module (modlwip),
// TCP or UDP. Every method returns a value or an Error with the firmware's errno.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mpsock/address.h"
#include "mpsock/deadline.h"
#include "mpsock/errors.h"
#include "mpsock/profile.h"
#include "mpsock/trace.h"

namespace mpsock {

class Stack;

// The socket module's constants, with modlwip's values.
inline constexpr int MP_SOCK_STREAM = 1;
inline constexpr int MP_SOCK_DGRAM = 2;
inline constexpr int MP_SOCK_RAW = 3;
inline constexpr int MP_SOL_SOCKET = 1;
inline constexpr int MP_SO_REUSEADDR = 0x04;  // lwIP SOF_REUSEADDR
inline constexpr int MP_SO_BROADCAST = 0x20;  // lwIP SOF_BROADCAST
// Not in modlwip: the socket modules of boards whose WiFi module runs its own sockets have them
// (numbers as in MicroPython's extmod/modnetwork.h), and so does the desktop profile.
inline constexpr int MP_SO_SNDTIMEO = 0x1005;
inline constexpr int MP_SO_RCVTIMEO = 0x1006;
inline constexpr int MP_SO_CALLBACK = 20;  // modlwip's undocumented event callback option
inline constexpr int MP_IPPROTO_IP = 0;
inline constexpr int MP_IP_ADD_MEMBERSHIP = 0x400;
inline constexpr int MP_IP_DROP_MEMBERSHIP = 0x401;
inline constexpr int MP_IPPROTO_TCP = 6;
inline constexpr int MP_TCP_NODELAY = 0x40;  // lwIP TF_NODELAY
inline constexpr int MP_MSG_PEEK = 0x01;
inline constexpr int MP_MSG_DONTWAIT = 0x02;

// select/poll event bits (py/stream.h MP_STREAM_POLL_*).
inline constexpr int MP_POLLIN = 0x01;
inline constexpr int MP_POLLOUT = 0x04;
inline constexpr int MP_POLLERR = 0x08;
inline constexpr int MP_POLLHUP = 0x10;
inline constexpr int MP_POLLNVAL = 0x20;

// The largest UDP payload modlwip sends; longer ones are cut (lwip_raw_udp_send).
inline constexpr size_t kMaxUdpPayload = 0xffff;

struct Accepted;

// An option value: an int, or bytes for the membership options.
using OptionValue = std::variant<int64_t, std::vector<uint8_t>>;

enum class OptionOutcome {
  applied,
  not_implemented,  // modlwip prints "Warning: lwip.setsockopt() not implemented" and goes on
};

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  virtual ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int type() const { return type_; }
  int family() const { return family_; }
  Stack& stack() { return *stack_; }
  // The profile the socket was created under; its limits stay with the socket.
  const Profile& limits() const { return *limits_; }

  // A number for traces, unique within the stack.
  int id() const { return id_; }

  // ---- The firmware's socket methods ----
  Status bind(const Endpoint& local);
  Status listen(int backlog);
  Result<Accepted> accept();
  Status connect(const Endpoint& remote);
  Result<size_t> send(const uint8_t* data, size_t len);
  Status sendall(const uint8_t* data, size_t len);
  Result<size_t> sendto(const uint8_t* data, size_t len, const Endpoint& to);
  Result<size_t> recv(uint8_t* buf, size_t len, int flags);
  Result<size_t> recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from);
  // Harmless on a closed socket.
  void close();
  bool closed() const;

  // settimeout: negative blocks forever, 0 is non-blocking, otherwise milliseconds. Sets both
  // the receive and the send timeout.
  void set_timeout_ms(int64_t ms);
  void set_recv_timeout_ms(int64_t ms);
  void set_send_timeout_ms(int64_t ms);
  int64_t recv_timeout_ms() const;
  int64_t send_timeout_ms() const;

  // setsockopt(level, option, value). The firmware ignores the level. Option 20 (the event
  // callback) is the bindings' business, as its value is a Python callable.
  Result<OptionOutcome> set_option(int level, int option, const OptionValue& value);
  // Whether setsockopt knows `option` under this socket's profile and firmware; an unknown
  // one only prints modlwip's warning, whatever its value.
  bool knows_option(int option) const;

  // ---- Stream methods (py/stream.c), on TCP and UDP alike ----
  // read(n) / readinto(buf): "no short reads" on blocking sockets. nullopt means None (nothing
  // read before EAGAIN on a non-blocking socket).
  Result<std::optional<size_t>> read(uint8_t* buf, size_t len);
  // read() with no size: to EOF.
  Result<std::optional<std::string>> read_all();
  // readline([max]): byte by byte up to and including b'\n'. max < 0: no limit.
  Result<std::optional<std::string>> readline(int64_t max);
  // write(buf): everything, or on a non-blocking socket what fitted (nullopt: nothing fitted).
  Result<std::optional<size_t>> write(const uint8_t* data, size_t len);

  // ---- select.poll ----
  // The MP_POLL* bits this socket reports for the requested bits (modlwip lwip_socket_ioctl).
  int poll(int requested);
  virtual int poll_locked(int requested) = 0;

  // <socket state=N timeout=T incoming=...>
  std::string repr();

  // Called with the stack lock held whenever the socket has an event (data, a connection,
  // peer close): modlwip's exec_user_callback. Must not block or take other locks.
  void set_event_hook(std::function<void()> hook);

  // ---- Desktop-profile extras (not on the camera) ----
  virtual Result<Endpoint> local_endpoint();
  virtual Result<Endpoint> peer_endpoint();

 // ---- For the stack (lock held) ----
  // Whether a connection (type MP_SOCK_STREAM) or a datagram (MP_SOCK_DGRAM) sent to the host
  // endpoint `destination` would reach this socket: a listening TCP socket, or a UDP socket
  // with that local port.
  virtual bool receives_at_locked(int type, const Endpoint& destination) {
    (void)type;
    (void)destination;
    return false;
  }
  // The link came back up, or its conditions changed: move what waits on it.
  virtual void link_changed_locked() {}
  // An injected fault: the connection is reset, or its peer closes.
  virtual void inject_reset_locked() {}
  virtual void inject_peer_close_locked() {}
  void set_id(int id) { id_ = id; }

 protected:
  Socket(std::shared_ptr<Stack> stack, int family, int type);

  // What each firmware method does, per socket type; the public methods add the trace.
  virtual Status do_bind(const Endpoint& local) = 0;
  virtual Status do_listen(int backlog);
  virtual Result<Accepted> do_accept();
  virtual Status do_connect(const Endpoint& remote) = 0;
  virtual Result<size_t> do_send(const uint8_t* data, size_t len) = 0;
  virtual Status do_sendall(const uint8_t* data, size_t len) = 0;
  virtual Result<size_t> do_sendto(const uint8_t* data, size_t len, const Endpoint& to) = 0;
  virtual Result<size_t> do_recv(uint8_t* buf, size_t len, int flags) = 0;
  virtual Result<size_t> do_recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from) = 0;

  // A network event on this socket, for the trace (lock held; free when tracing is off).
  // `bytes` goes in the record when not negative; so does `error` when not zero.
  void trace_event(const char* event, int64_t bytes = -1, int error = 0);

  // The stream methods without their trace record.
  Result<std::optional<size_t>> read_stream(uint8_t* buf, size_t len);
  Result<std::optional<std::string>> read_all_stream();
  Result<std::optional<std::string>> readline_stream(int64_t max);
  Result<std::optional<size_t>> write_stream(const uint8_t* data, size_t len);

  // The stream layer's primitives: one receive / one send as modlwip's stream read/write.
  virtual Result<size_t> stream_recv_once(uint8_t* buf, size_t len) = 0;
  virtual Result<size_t> stream_send_once(const uint8_t* data, size_t len) = 0;

  virtual void close_locked() = 0;
  // After close_locked: true when the close is complete without a turn of the loop, with the
  // socket's hold on itself (if any) moved to *released, for the caller to drop once the stack
  // lock is given back. False (the default) when a turn has to finish it.
  virtual bool closed_without_turn_locked(std::shared_ptr<Socket>* released) {
    (void)released;
    return false;
  }
  Result<OptionOutcome> set_option_checked(int option, const OptionValue& value);
  virtual Result<OptionOutcome> set_option_locked(int option, const OptionValue& value) = 0;
  virtual int repr_state_locked() const = 0;
  virtual std::string repr_incoming_locked() const = 0;

  // The timeout a receive runs under: MSG_DONTWAIT makes this one call non-blocking.
  int64_t effective_recv_timeout_ms(int flags) const {
    return (flags & MP_MSG_DONTWAIT) ? 0 : recv_timeout_ms_;
  }

  void fire_event_locked();

  std::shared_ptr<Stack> stack_;
  int id_ = 0;
  const int family_;
  const int type_;
  // The profile at creation, shared with the stack and the other sockets made under it (a
  // profile holds the board's module lists and facts, too much to copy per socket).
  std::shared_ptr<const Profile> limits_;
  bool closed_ = false;
  int64_t recv_timeout_ms_ = -1;
  int64_t send_timeout_ms_ = -1;
  std::function<void()> event_hook_;
};

struct Accepted {
  std::shared_ptr<Socket> socket;
  Endpoint peer;
};

// What the core hands to its users: a reference whose last copy closes the socket, as garbage
// collection closes an unreferenced socket on the camera. The socket itself may live on a
// little longer (a graceful close finishing in the background).
std::shared_ptr<Socket> user_reference(std::shared_ptr<Socket> socket);

// The errno a timed-out wait reports: EAGAIN when the call was non-blocking, else ETIMEDOUT.
inline Error timeout_error(int64_t timeout_ms) {
  return Error::os(timeout_ms == 0 ? MP_EAGAIN : MP_ETIMEDOUT);
}

}  // namespace mpsock
