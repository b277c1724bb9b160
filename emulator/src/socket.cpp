// What every socket shares: timeouts, option checking, the stream methods of py/stream.c and
// the printed form.
#include "mpsock/socket.h"

#include <mutex>
#include <type_traits>

#include "mpsock/stack.h"

namespace mpsock {

namespace {

std::string endpoint_text(const Endpoint& endpoint) {
  if (endpoint.ip.family == MP_AF_INET6) return "[" + endpoint.ip.to_string() + "]:" + std::to_string(endpoint.port);
  return endpoint.ip.to_string() + ":" + std::to_string(endpoint.port);
}

void add_outcome(TraceRecord& record, const Status& status) {
  if (status) {
    record.add_null("result");
  } else {
    record.add_error(status.error());
  }
}

void add_outcome(TraceRecord& record, const Result<size_t>& result) {
  if (result) {
    record.add("result", static_cast<uint64_t>(*result));
  } else {
    record.add_error(result.error());
  }
}

// A stream call: a count or a string read, or None (nothing before EAGAIN), or an errno.
template <class T>
void add_outcome(TraceRecord& record, const Result<std::optional<T>>& result) {
  if (!result) {
    record.add_error(result.error());
  } else if (!*result) {
    record.add_null("result");
  } else if constexpr (std::is_same_v<T, std::string>) {
    record.add("result", static_cast<uint64_t>((*result)->size()));
  } else {
    record.add("result", static_cast<uint64_t>(**result));
  }
}

}  // namespace

// Writes one call record when tracing; `fill` adds the call's arguments.
template <class Outcome, class Fill>
void trace_call(Stack& stack, int id, const char* call, const Outcome& outcome, Fill fill) {
  Trace& trace = stack.trace();
  if (!trace.enabled()) return;
  TraceRecord record;
  record.add("sock", id).add("call", call);
  fill(record);
  add_outcome(record, outcome);
  trace.write(record);
}

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
  std::shared_ptr<Socket> released;  // dropped last, after the lock is given back
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_) return;
  closed_ = true;
  trace_call(*stack_, id_, "close", Status(), [](TraceRecord&) {});
  close_locked();
  if (event_hook_) {
    event_hook_ = nullptr;
    stack_->remove_background_work();
  }
  // Calls blocked on this socket in other threads wake up and see EBADF.
  stack_->notify_changed();
  // Finish closing the kernel handle now: its close callback, in this turn, drops the
  // socket's hold on itself, and with it the socket's on the stack. Left to a later turn that
  // may never come, a stack dropped after its last close would never be freed. A socket that
  // has let go of itself already needs no turn (TcpSocket::closed_without_turn_locked).
  if (closed_without_turn_locked(&released)) {
    stack_->closed_without_turn();
  } else {
    stack_->pump();
  }
}

bool Socket::closed() const {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  return closed_;
}

Status Socket::do_listen(int backlog) {
  (void)backlog;
  return Error::os(MP_EOPNOTSUPP);
}

Result<Accepted> Socket::do_accept() { return Error::os(MP_EOPNOTSUPP); }

// ---- The firmware's methods, each with its trace record ----

void Socket::trace_event(const char* event, int64_t bytes, int error) {
  Trace& trace = stack_->trace();
  if (!trace.enabled()) return;
  TraceRecord record;
  record.add("sock", id_).add("event", event);
  if (bytes >= 0) record.add("bytes", bytes);
  if (error != 0) record.add("errno", error);
  trace.write(record);
}

Status Socket::bind(const Endpoint& local) {
  Status status = do_bind(local);
  trace_call(*stack_, id_, "bind", status, [&](TraceRecord& r) { r.add("addr", endpoint_text(local)); });
  return status;
}

Status Socket::listen(int backlog) {
  Status status = do_listen(backlog);
  trace_call(*stack_, id_, "listen", status, [&](TraceRecord& r) { r.add("backlog", backlog); });
  return status;
}

Result<Accepted> Socket::accept() {
  Result<Accepted> accepted = do_accept();
  Trace& trace = stack_->trace();
  if (trace.enabled()) {
    TraceRecord record;
    record.add("sock", id_).add("call", "accept");
    if (accepted) {
      record.add("result", endpoint_text(accepted->peer)).add("new", accepted->socket->id());
    } else {
      record.add_error(accepted.error());
    }
    trace.write(record);
  }
  return accepted;
}

Status Socket::connect(const Endpoint& remote) {
  Status status = do_connect(remote);
  trace_call(*stack_, id_, "connect", status, [&](TraceRecord& r) { r.add("addr", endpoint_text(remote)); });
  return status;
}

Result<size_t> Socket::send(const uint8_t* data, size_t len) {
  Result<size_t> sent = do_send(data, len);
  trace_call(*stack_, id_, "send", sent, [&](TraceRecord& r) { r.add("len", static_cast<uint64_t>(len)); });
  return sent;
}

Status Socket::sendall(const uint8_t* data, size_t len) {
  Status status = do_sendall(data, len);
  trace_call(*stack_, id_, "sendall", status, [&](TraceRecord& r) { r.add("len", static_cast<uint64_t>(len)); });
  return status;
}

Result<size_t> Socket::sendto(const uint8_t* data, size_t len, const Endpoint& to) {
  Result<size_t> sent = do_sendto(data, len, to);
  trace_call(*stack_, id_, "sendto", sent, [&](TraceRecord& r) {
    r.add("len", static_cast<uint64_t>(len)).add("addr", endpoint_text(to));
  });
  return sent;
}

Result<size_t> Socket::recv(uint8_t* buf, size_t len, int flags) {
  Result<size_t> got = do_recv(buf, len, flags);
  trace_call(*stack_, id_, "recv", got, [&](TraceRecord& r) {
    r.add("len", static_cast<uint64_t>(len));
    if (flags) r.add("flags", flags);
  });
  return got;
}

Result<size_t> Socket::recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from) {
  Endpoint source;
  Result<size_t> got = do_recvfrom(buf, len, flags, &source);
  if (from != nullptr) *from = source;
  trace_call(*stack_, id_, "recvfrom", got, [&](TraceRecord& r) {
    r.add("len", static_cast<uint64_t>(len));
    if (flags) r.add("flags", flags);
    if (got) r.add("from", endpoint_text(source));
  });
  return got;
}

Result<Endpoint> Socket::local_endpoint() { return Error::os(MP_EOPNOTSUPP); }
Result<Endpoint> Socket::peer_endpoint() { return Error::os(MP_EOPNOTSUPP); }

void Socket::set_timeout_ms(int64_t ms) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  recv_timeout_ms_ = ms < 0 ? -1 : ms;
  send_timeout_ms_ = recv_timeout_ms_;
  trace_call(*stack_, id_, "settimeout", Status(), [&](TraceRecord& r) { r.add("ms", recv_timeout_ms_); });
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

Result<OptionOutcome> Socket::set_option(int level, int option, const OptionValue& value) {
  Result<OptionOutcome> outcome = set_option_checked(option, value);
  Trace& trace = stack_->trace();
  if (trace.enabled()) {
    TraceRecord record;
    record.add("sock", id_).add("call", "setsockopt").add("level", level).add("option", option);
    if (const auto* number = std::get_if<int64_t>(&value)) record.add("value", *number);
    if (outcome) {
      record.add("result", *outcome == OptionOutcome::applied ? "applied" : "not implemented");
    } else {
      record.add_error(outcome.error());
    }
    trace.write(record);
  }
  return outcome;
}

bool Socket::knows_option(int option) const {
  switch (option) {
    case MP_SO_REUSEADDR:
    case MP_SO_BROADCAST:
    case MP_IP_ADD_MEMBERSHIP:
    case MP_IP_DROP_MEMBERSHIP:
      return true;
    case MP_TCP_NODELAY:
      return has_tcp_nodelay(limits_->micropython);
    case MP_SO_SNDTIMEO:
    case MP_SO_RCVTIMEO:
      return limits_->timeout_options;
    default:
      return false;
  }
}

// lwip_socket_setsockopt: dispatch on the option alone; the level is not looked at.
Result<OptionOutcome> Socket::set_option_checked(int option, const OptionValue& value) {
  // An option this firmware does not know goes to modlwip's default case, which never looks
  // at the value.
  if (!knows_option(option)) {
    std::lock_guard<std::mutex> guard(stack_->mutex());
    if (closed_) return Error::os(MP_EBADF);
    return OptionOutcome::not_implemented;
  }
  const bool wants_bytes = option == MP_IP_ADD_MEMBERSHIP || option == MP_IP_DROP_MEMBERSHIP;
  const bool wants_int = !wants_bytes;
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
    // As the boards that have them document it: a value in milliseconds, 0 for no timeout.
    (option == MP_SO_RCVTIMEO ? recv_timeout_ms_ : send_timeout_ms_) = ms == 0 ? -1 : ms;
    return OptionOutcome::applied;
  }
  return set_option_locked(option, value);
}

// ---- Stream methods: mp_stream_rw and friends ----

Result<std::optional<size_t>> Socket::read(uint8_t* buf, size_t len) {
  Result<std::optional<size_t>> got = read_stream(buf, len);
  trace_call(*stack_, id_, "read", got,
             [&](TraceRecord& r) { r.add("len", static_cast<uint64_t>(len)); });
  return got;
}

Result<std::optional<size_t>> Socket::read_stream(uint8_t* buf, size_t len) {
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
  Result<std::optional<std::string>> got = read_all_stream();
  trace_call(*stack_, id_, "read", got, [](TraceRecord&) {});
  return got;
}

Result<std::optional<std::string>> Socket::read_all_stream() {
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

Result<std::optional<std::string>> Socket::readline(int64_t max) {
  Result<std::optional<std::string>> got = readline_stream(max);
  trace_call(*stack_, id_, "readline", got, [&](TraceRecord& r) {
    if (max >= 0) r.add("max", max);
  });
  return got;
}

// mp_stream_unbuffered_readline: one byte at a time.
Result<std::optional<std::string>> Socket::readline_stream(int64_t max) {
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
  Result<std::optional<size_t>> sent = write_stream(data, len);
  trace_call(*stack_, id_, "write", sent,
             [&](TraceRecord& r) { r.add("len", static_cast<uint64_t>(len)); });
  return sent;
}

Result<std::optional<size_t>> Socket::write_stream(const uint8_t* data, size_t len) {
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
