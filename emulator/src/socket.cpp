// What every socket shares: timeouts, option checking, the stream methods of py/stream.c and
// the printed form.
#include "mpsock/socket.h"

#include <mutex>

#include "mpsock/stack.h"

namespace mpsock {

Socket::Socket(std::shared_ptr<Stack> stack, int family, int type)
    : stack_(std::move(stack)), family_(family), type_(type) {}

Socket::~Socket() = default;

std::shared_ptr<Socket> user_reference(std::shared_ptr<Socket> socket) {
  Socket* raw = socket.get();
  return std::shared_ptr<Socket>(raw, [internal = std::move(socket)](Socket* s) mutable {
    s->close();
    internal.reset();
  });
}

void Socket::close() {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_) return;
  closed_ = true;
  close_locked();
  if (event_hook_) {
    event_hook_ = nullptr;
    stack_->remove_background_work();
  }
  // Calls blocked on this socket in other threads wake up and see EBADF.
  stack_->notify_changed();
  // Finish closing the kernel handle now (its close callback runs in this loop turn), so a
  // socket closed by a script that never calls in again does not linger half-closed.
  stack_->pump();
}

bool Socket::closed() const {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  return closed_;
}

Status Socket::listen(int backlog) {
  (void)backlog;
  return Error::os(MP_EOPNOTSUPP);
}

Result<Accepted> Socket::accept() { return Error::os(MP_EOPNOTSUPP); }

Result<Endpoint> Socket::local_endpoint() { return Error::os(MP_EOPNOTSUPP); }
Result<Endpoint> Socket::peer_endpoint() { return Error::os(MP_EOPNOTSUPP); }

void Socket::set_timeout_ms(int64_t ms) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  recv_timeout_ms_ = ms < 0 ? -1 : ms;
  send_timeout_ms_ = recv_timeout_ms_;
}

void Socket::set_recv_timeout_ms(int64_t ms) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  recv_timeout_ms_ = ms < 0 ? -1 : ms;
}

void Socket::set_send_timeout_ms(int64_t ms) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  send_timeout_ms_ = ms < 0 ? -1 : ms;
}

int64_t Socket::recv_timeout_ms() const {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  return recv_timeout_ms_;
}

int64_t Socket::send_timeout_ms() const {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  return send_timeout_ms_;
}

// lwip_socket_setsockopt: dispatch on the option alone; the level is not looked at.
Result<OptionOutcome> Socket::set_option(int level, int option, const OptionValue& value) {
  (void)level;
  const bool wants_bytes = option == MP_IP_ADD_MEMBERSHIP || option == MP_IP_DROP_MEMBERSHIP;
  const bool wants_int = option == MP_SO_REUSEADDR || option == MP_SO_BROADCAST ||
                         option == MP_TCP_NODELAY || option == MP_SO_SNDTIMEO ||
                         option == MP_SO_RCVTIMEO;
  if (wants_bytes) {
    const auto* bytes = std::get_if<std::vector<uint8_t>>(&value);
    if (bytes == nullptr) return Error::type("object with buffer protocol required");
    // Group address then interface address, 4 bytes each (igmp_joingroup's ip4_addr_t pair).
    if (bytes->size() != 8) return Error::value("");
  } else if (wants_int && !std::holds_alternative<int64_t>(value)) {
    return Error::type("can't convert to int");
  }

  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_) return Error::os(MP_EBADF);
  if (option == MP_SO_RCVTIMEO || option == MP_SO_SNDTIMEO) {
    const int64_t ms = std::get<int64_t>(value);
    if (ms < 0) return Error::value("timeout must be 0 or a positive number of milliseconds");
    // The OpenMV documentation: a value in milliseconds, 0 for no timeout.
    (option == MP_SO_RCVTIMEO ? recv_timeout_ms_ : send_timeout_ms_) = ms == 0 ? -1 : ms;
    return OptionOutcome::applied;
  }
  return set_option_locked(option, value);
}

// ---- Stream methods: mp_stream_rw and friends ----

Result<std::optional<size_t>> Socket::read(uint8_t* buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    Result<size_t> got = stream_recv_once(buf + done, len - done);
    if (!got) {
      // What was read before EAGAIN is returned; nothing read is None. Any other error is
      // raised and what was read is lost, as in mp_stream_rw.
      if (got.error().is_os(MP_EAGAIN)) {
        if (done == 0) return std::optional<size_t>();
        return std::optional<size_t>(done);
      }
      return got.error();
    }
    if (*got == 0) break;  // EOF
    done += *got;
  }
  return std::optional<size_t>(done);
}

Result<std::optional<std::string>> Socket::read_all() {
  std::string data;
  uint8_t chunk[4096];
  for (;;) {
    Result<size_t> got = stream_recv_once(chunk, sizeof(chunk));
    if (!got) {
      if (got.error().is_os(MP_EAGAIN)) {
        if (data.empty()) return std::optional<std::string>();
        break;
      }
      return got.error();
    }
    if (*got == 0) break;
    data.append(reinterpret_cast<const char*>(chunk), *got);
  }
  return std::optional<std::string>(std::move(data));
}

// mp_stream_unbuffered_readline: one byte at a time.
Result<std::optional<std::string>> Socket::readline(int64_t max) {
  std::string line;
  while (max < 0 || static_cast<int64_t>(line.size()) < max) {
    uint8_t byte = 0;
    Result<size_t> got = stream_recv_once(&byte, 1);
    if (!got) {
      if (got.error().is_os(MP_EAGAIN)) {
        if (line.empty()) return std::optional<std::string>();
        break;
      }
      return got.error();
    }
    if (*got == 0) break;
    line.push_back(static_cast<char>(byte));
    if (byte == '\n') break;
  }
  return std::optional<std::string>(std::move(line));
}

Result<std::optional<size_t>> Socket::write(const uint8_t* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    Result<size_t> sent = stream_send_once(data + done, len - done);
    if (!sent) {
      if (sent.error().is_os(MP_EAGAIN)) {
        if (done == 0) return std::optional<size_t>();
        return std::optional<size_t>(done);
      }
      return sent.error();
    }
    if (*sent == 0) break;
    done += *sent;
  }
  return std::optional<size_t>(done);
}

int Socket::poll(int requested) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  return poll_locked(requested);
}

std::string Socket::repr() {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  // modlwip prints the timeout as an unsigned 32-bit number: blocking shows as 4294967295.
  const uint32_t timeout = static_cast<uint32_t>(recv_timeout_ms_);
  return "<socket state=" + std::to_string(repr_state_locked()) + " timeout=" +
         std::to_string(timeout) + " incoming=" + repr_incoming_locked() + ">";
}

void Socket::set_event_hook(std::function<void()> hook) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_) return;
  const bool had = static_cast<bool>(event_hook_);
  event_hook_ = std::move(hook);
  // Events must be noticed while the script computes, so the network thread keeps running.
  if (!had && event_hook_) stack_->add_background_work();
  if (had && !event_hook_) stack_->remove_background_work();
}

void Socket::fire_event_locked() {
  if (event_hook_) event_hook_();
}

}  // namespace mpsock
