#include "tcp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "host_socket.h"

namespace mpsock {

namespace {

// The kernel hands over at most this much per read; it is also the desktop profile's segment.
constexpr size_t kReadChunk = 64 * 1024;
// Reads smaller than this are copied out of the spare buffer rather than taking it over.
constexpr size_t kCopyBelow = 16 * 1024;
// lwip_tcp_send: a blocked send waits until at least this much room, to avoid tiny segments.
constexpr size_t kMinSendRoom = 16;

struct WriteRequest {
  uv_write_t request;
  std::unique_ptr<uint8_t[]> data;
  size_t size;
};

}  // namespace

std::shared_ptr<TcpSocket> TcpSocket::create(std::shared_ptr<Stack> stack, int af,
                                             const Profile& limits) {
  std::shared_ptr<TcpSocket> socket(new TcpSocket(std::move(stack), af, limits));
  socket->stack_->register_socket(socket);
  return socket;
}

TcpSocket::TcpSocket(std::shared_ptr<Stack> stack, int af, const Profile& limits)
    : Socket(std::move(stack), af, MP_SOCK_STREAM) {
  limits_ = limits;
}

// A socket with an open handle keeps itself alive, so by now there is no handle; all that can
// be left is the pcb. This may run with the stack lock held (from a close callback), so it
// takes no lock.
TcpSocket::~TcpSocket() { release_pcb(); }

// ---- Handle lifetime ----

Status TcpSocket::open_handle(const IpAddress& family_of) {
  if (handle_ != nullptr) return {};
  const int fd = open_host_socket(family_of, SOCK_STREAM);
  if (fd < 0) return Error::os(MP_ENOMEM);
  auto* handle = new uv_tcp_t;
  uv_tcp_init(stack_->loop(), handle);
  handle->data = this;
  if (uv_tcp_open(handle, fd) != 0) {
    ::close(fd);
    uv_close(reinterpret_cast<uv_handle_t*>(handle),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return Error::os(MP_ENOMEM);
  }
  handle_ = handle;
  self_ = std::static_pointer_cast<TcpSocket>(shared_from_this());
  apply_options();
  return {};
}

void TcpSocket::apply_options() {
  if (handle_ == nullptr) return;
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(handle_), &fd) == 0) {
    const int reuse = reuse_address_ ? 1 : 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
  }
  uv_tcp_nodelay(handle_, no_delay_ ? 1 : 0);
}

void TcpSocket::close_handle(bool reset) {
  if (handle_ == nullptr) return;
  uv_tcp_t* handle = handle_;
  handle_ = nullptr;
  reading_ = false;
  if (close_timer_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(close_timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    close_timer_ = nullptr;
  }
  if (reset && uv_tcp_close_reset(handle, on_close) == 0) return;
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(handle))) {
    uv_close(reinterpret_cast<uv_handle_t*>(handle), on_close);
  }
}

void TcpSocket::on_close(uv_handle_t* handle) {
  auto* socket = static_cast<TcpSocket*>(handle->data);
  delete reinterpret_cast<uv_tcp_t*>(handle);
  if (socket == nullptr) return;
  socket->release_pcb();  // a lingering close holds its pcb until now
  if (socket->lingering_) {
    socket->lingering_ = false;
    socket->stack_->remove_background_work();
  }
  socket->stack_->notify_changed();
  // Last: this may destroy the socket.
  std::shared_ptr<TcpSocket> keep = std::move(socket->self_);
}

void TcpSocket::release_pcb() {
  if (!pcb_held_) return;
  pcb_held_ = false;
  stack_->release_pcb(pcb_kind_);
}

// lwIP's tcp_close: a connection with unread data is reset; one with data still to send
// finishes sending, and is aborted if that takes longer than the close timeout.
void TcpSocket::close_locked() {
  switch (state_) {
    case State::listening:
      // lwip_socket_free_incoming: connections still waiting in the accept queue are aborted.
      for (auto& child : accept_queue_) {
        child->closed_ = true;
        child->state_ = State::dead;
        child->close_handle(true);
        child->release_pcb();
      }
      accept_queue_.clear();
      close_handle(false);
      break;
    case State::connected:
    case State::peer_closed:
      if (rx_bytes_ > 0) {
        close_handle(true);
      } else if (tx_queued_ > 0) {
        linger();
      } else {
        close_handle(false);
      }
      break;
    case State::fresh:
    case State::connecting:
      close_handle(false);
      break;
    case State::failed:
    case State::dead:
      break;
  }
  rx_.clear();
  rx_bytes_ = 0;
  state_ = State::dead;
  if (handle_ == nullptr || close_timer_ == nullptr) release_pcb();
}

void TcpSocket::linger() {
  stop_reading();
  auto* request = new uv_shutdown_t;
  if (uv_shutdown(request, reinterpret_cast<uv_stream_t*>(handle_), on_shutdown) != 0) {
    delete request;
    close_handle(true);
    return;
  }
  lingering_ = true;
  stack_->add_background_work();
  close_timer_ = new uv_timer_t;
  uv_timer_init(stack_->loop(), close_timer_);
  close_timer_->data = this;
  uv_timer_start(close_timer_, on_close_timeout, static_cast<uint64_t>(limits_.close_timeout_ms), 0);
}

void TcpSocket::on_shutdown(uv_shutdown_t* request, int status) {
  (void)status;
  auto* socket = static_cast<TcpSocket*>(request->handle->data);
  delete request;
  if (socket != nullptr) socket->close_handle(false);
}

void TcpSocket::on_close_timeout(uv_timer_t* timer) {
  // _lwip_tcp_close_poll: the close did not complete in time, abort the connection.
  static_cast<TcpSocket*>(timer->data)->close_handle(true);
}

// ---- Errors and state ----

void TcpSocket::fail(int firmware_errno) {
  // _lwip_tcp_error: lwIP has freed the pcb; queued data goes with it.
  state_ = State::failed;
  failure_ = firmware_errno;
  reset_reported_ = false;
  rx_.clear();
  rx_bytes_ = 0;
  close_handle(firmware_errno != MP_ECONNRESET);
  release_pcb();
  fire_event_locked();
  stack_->notify_changed();
}

// lwip_socket_check_connected, for send/sendto/sendall: a pcb lost to an error reports that
// error once, then EBADF.
Status TcpSocket::check_connected_for_send() {
  if (closed_ || state_ == State::dead) return Error::os(MP_EBADF);
  if (state_ == State::failed) {
    state_ = State::dead;
    return Error::os(failure_);
  }
  return {};
}

// The same check for recv/recvfrom/read. After a reset the first receive raises ECONNRESET
// and later ones return EOF (`finished` set, result 0).
Result<size_t> TcpSocket::check_connected_for_recv(bool* finished) {
  *finished = true;
  if (closed_ || state_ == State::dead) return Error::os(MP_EBADF);
  if (state_ == State::failed) {
    if (failure_ == MP_ECONNRESET) {
      if (reset_reported_) return size_t{0};
      reset_reported_ = true;
      return Error::os(MP_ECONNRESET);
    }
    state_ = State::dead;
    return Error::os(failure_);
  }
  *finished = false;
  return size_t{0};
}

// ---- bind / listen / accept / connect ----

Status TcpSocket::bind(const Endpoint& local) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_ || state_ == State::dead || state_ == State::failed) return Error::os(MP_EBADF);
  // lwIP tcp_bind: only a pcb in state CLOSED, and only once.
  if (state_ != State::fresh || bound_) return Error::os(MP_EINVAL);
  Status opened = open_handle(local.ip);
  if (!opened) return opened;
  HostAddress host = to_host_address(stack_->host_bind_address(local.ip), local.port);
  int r = uv_tcp_bind(handle_, host.get(), 0);
  if (r == UV_EADDRNOTAVAIL) {
    // The camera's own interface address: on the host it lives on loopback.
    host = to_host_address(IpAddress::loopback(local.ip.family), local.port);
    r = uv_tcp_bind(handle_, host.get(), 0);
  }
  if (r != 0) return Error::os(firmware_errno_for_bind(r));
  // libuv may defer EADDRINUSE to listen/connect; ask the kernel where we stand now.
  sockaddr_storage name{};
  int length = sizeof(name);
  if (uv_tcp_getsockname(handle_, reinterpret_cast<sockaddr*>(&name), &length) != 0) {
    return Error::os(MP_EADDRINUSE);
  }
  bound_ = true;
  return {};
}

Status TcpSocket::listen(int backlog) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_ || state_ == State::dead || state_ == State::failed) return Error::os(MP_EBADF);
  if (backlog < 0) backlog = 0;
  // tcp_listen on a pcb that is not CLOSED fails with ERR_CLSD.
  if (state_ != State::fresh) return Error::os(MP_ENOTCONN);
  // lwIP turns the pcb into a listening pcb from the smaller listen pool.
  if (!stack_->reserve_pcb(PcbKind::tcp_listen)) return Error::os(MP_ENOMEM);
  release_pcb();
  pcb_held_ = true;
  pcb_kind_ = PcbKind::tcp_listen;

  const IpAddress wildcard = IpAddress::any(family_ == MP_AF_INET6 && limits_.ipv6 ? MP_AF_INET6 : MP_AF_INET);
  Status opened = open_handle(wildcard);
  if (!opened) return opened;
  if (!bound_) {
    const HostAddress host = to_host_address(stack_->host_bind_address(wildcard), 0);
    uv_tcp_bind(handle_, host.get(), 0);
    bound_ = true;
  }
  const int r = uv_listen(reinterpret_cast<uv_stream_t*>(handle_), backlog < 1 ? 1 : backlog, on_connection);
  if (r != 0) return Error::os(firmware_errno_for_bind(r));
  accept_slots_ = backlog <= 1 ? 1 : static_cast<size_t>(backlog);
  state_ = State::listening;
  return {};
}

void TcpSocket::on_connection(uv_stream_t* server, int status) {
  auto* listener = static_cast<TcpSocket*>(server->data);
  if (status < 0 || listener == nullptr) return;
  listener->connection_waiting_ = true;
  listener->take_waiting_connection();
}

// _lwip_tcp_accept: queue the new connection if there is a slot and a pcb for it. Otherwise
// leave it with libuv, which stops accepting until we come back for it.
void TcpSocket::take_waiting_connection() {
  if (!connection_waiting_ || state_ != State::listening) return;
  if (accept_queue_.size() >= accept_slots_) return;
  if (!stack_->reserve_pcb(PcbKind::tcp)) return;
  connection_waiting_ = false;

  std::shared_ptr<TcpSocket> child = create(stack_, family_, limits_);
  auto* handle = new uv_tcp_t;
  uv_tcp_init(stack_->loop(), handle);
  handle->data = child.get();
  child->handle_ = handle;
  child->self_ = child;
  if (uv_accept(reinterpret_cast<uv_stream_t*>(handle_), reinterpret_cast<uv_stream_t*>(handle)) != 0) {
    child->closed_ = true;
    child->state_ = State::dead;
    child->close_handle(false);
    child->release_pcb();
    return;
  }
  sockaddr_storage peer{};
  int length = sizeof(peer);
  uv_tcp_getpeername(handle, reinterpret_cast<sockaddr*>(&peer), &length);
  child->peer_ = from_host_address(reinterpret_cast<sockaddr*>(&peer));
  child->state_ = State::connected;
  accept_queue_.push_back(std::move(child));
  fire_event_locked();
  stack_->notify_changed();
}

Result<Accepted> TcpSocket::accept() {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  if (closed_ || state_ == State::dead || state_ == State::failed) return Error::os(MP_EBADF);
  if (state_ != State::listening) return Error::os(MP_EINVAL);
  const int64_t timeout = recv_timeout_ms_;
  take_waiting_connection();
  if (accept_queue_.empty()) {
    // A connection left waiting for a pcb gets another chance each time round, as a client's
    // SYN retransmission would give lwIP.
    const WaitOutcome outcome = stack_->wait(lock, Deadline::from_timeout_ms(timeout), [this] {
      take_waiting_connection();
      return !accept_queue_.empty() || state_ != State::listening;
    });
    if (outcome == WaitOutcome::interrupted) return Error::interrupted();
    if (state_ != State::listening) return Error::os(MP_EBADF);
    if (outcome == WaitOutcome::timed_out) return timeout_error(timeout);
  }
  std::shared_ptr<TcpSocket> child = std::move(accept_queue_.front());
  accept_queue_.pop_front();
  child->recv_timeout_ms_ = recv_timeout_ms_;
  child->send_timeout_ms_ = send_timeout_ms_;
  child->start_reading();
  take_waiting_connection();
  Accepted accepted{user_reference(child), child->peer_};
  return accepted;
}

Status TcpSocket::connect(const Endpoint& remote) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  if (closed_ || state_ == State::dead || state_ == State::failed) return Error::os(MP_EBADF);
  if (state_ != State::fresh) {
    return Error::os(state_ == State::connected ? MP_EISCONN : MP_EALREADY);
  }
  Status opened = open_handle(remote.ip);
  if (!opened) return opened;
  const HostAddress host = to_host_address(stack_->host_destination(remote.ip), remote.port);
  auto* request = new uv_connect_t;
  const int r = uv_tcp_connect(request, handle_, host.get(), on_connect);
  if (r != 0) {
    delete request;
    return Error::os(firmware_errno_for_connect(r));
  }
  peer_ = remote;
  state_ = State::connecting;

  const int64_t timeout = send_timeout_ms_;
  // Over a real link the handshake takes a round trip, so a non-blocking connect always
  // reports EINPROGRESS on the camera; loopback would often finish first.
  if (timeout == 0) return Error::os(MP_EINPROGRESS);
  const WaitOutcome outcome = stack_->wait(lock, Deadline::from_timeout_ms(timeout),
                                           [this] { return state_ != State::connecting; });
  if (outcome == WaitOutcome::interrupted) return Error::interrupted();
  if (outcome == WaitOutcome::timed_out) {
    // The connection attempt goes on; its completion shows as POLLOUT.
    return Error::os(timeout == 0 ? MP_EINPROGRESS : MP_ETIMEDOUT);
  }
  if (state_ == State::connected || state_ == State::peer_closed) return {};
  if (state_ == State::failed) return Error::os(failure_);
  return Error::os(MP_EBADF);  // closed by another thread meanwhile
}

void TcpSocket::on_connect(uv_connect_t* request, int status) {
  auto* socket = static_cast<TcpSocket*>(request->handle->data);
  delete request;
  if (status == UV_ECANCELED || socket == nullptr || socket->state_ != State::connecting) return;
  if (status != 0) {
    socket->fail(firmware_errno_for_connect(status));
    return;
  }
  socket->state_ = State::connected;
  sockaddr_storage peer{};
  int length = sizeof(peer);
  if (uv_tcp_getpeername(socket->handle_, reinterpret_cast<sockaddr*>(&peer), &length) == 0) {
    socket->peer_ = from_host_address(reinterpret_cast<sockaddr*>(&peer));
  }
  socket->start_reading();
  socket->fire_event_locked();
  socket->stack_->notify_changed();
}

// ---- Receiving ----

void TcpSocket::start_reading() {
  if (reading_ || handle_ == nullptr) return;
  if (state_ != State::connected) return;
  if (rx_bytes_ >= limits_.tcp_wnd) return;  // the window is closed until the script reads
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(handle_), on_alloc, on_read) == 0) reading_ = true;
}

void TcpSocket::stop_reading() {
  if (!reading_ || handle_ == nullptr) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(handle_));
  reading_ = false;
}

void TcpSocket::on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  (void)suggested;
  auto* socket = static_cast<TcpSocket*>(handle->data);
  if (!socket->rx_spare_) {
    socket->rx_spare_.reset(new uint8_t[kReadChunk]);
    socket->rx_spare_size_ = kReadChunk;
  }
  // Never read beyond the open window: the peer's data waits in the kernel instead.
  const size_t window = socket->limits_.tcp_wnd > socket->rx_bytes_ ? socket->limits_.tcp_wnd - socket->rx_bytes_ : 0;
  buf->base = reinterpret_cast<char*>(socket->rx_spare_.get());
  buf->len = std::min(socket->rx_spare_size_, window);
}

void TcpSocket::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  (void)buf;
  auto* socket = static_cast<TcpSocket*>(stream->data);
  if (nread == 0 || nread == UV_ENOBUFS) {
    if (nread == UV_ENOBUFS) socket->stop_reading();
    return;
  }
  if (nread == UV_EOF) {
    // _lwip_tcp_recv with p == NULL: the peer closed its side.
    socket->stop_reading();
    if (socket->state_ == State::connected) socket->state_ = State::peer_closed;
    socket->fire_event_locked();
    socket->stack_->notify_changed();
    return;
  }
  if (nread < 0) {
    socket->fail(firmware_errno_for_io(static_cast<int>(nread)));
    return;
  }
  const size_t size = static_cast<size_t>(nread);
  RxChunk chunk;
  chunk.size = size;
  if (size < kCopyBelow) {
    chunk.data.reset(new uint8_t[size]);
    std::memcpy(chunk.data.get(), socket->rx_spare_.get(), size);
  } else {
    chunk.data = std::move(socket->rx_spare_);
    socket->rx_spare_size_ = 0;
  }
  socket->rx_.push_back(std::move(chunk));
  socket->rx_bytes_ += size;
  if (socket->rx_bytes_ >= socket->limits_.tcp_wnd) socket->stop_reading();
  socket->fire_event_locked();
  socket->stack_->notify_changed();
}

void TcpSocket::consumed(size_t n) {
  rx_bytes_ -= n;
  // tcp_recved: reading reopens the window.
  if (!reading_ && state_ == State::connected) start_reading();
}

// lwip_tcp_receive.
Result<size_t> TcpSocket::receive(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len, int flags) {
  if (state_ == State::listening) return Error::os(MP_ENOTCONN);
  if (rx_.empty()) {
    const int64_t timeout = effective_recv_timeout_ms(flags);
    if (timeout == 0) {
      // Non-blocking: let the network run once, as modlwip's poll_sockets does.
      stack_->pump();
    } else {
      const WaitOutcome outcome = stack_->wait(lock, Deadline::from_timeout_ms(timeout), [this] {
        return state_ != State::connected || !rx_.empty();
      });
      if (outcome == WaitOutcome::interrupted) return Error::interrupted();
      if (outcome == WaitOutcome::timed_out) return Error::os(MP_ETIMEDOUT);
    }
    if (rx_.empty()) {
      if (state_ == State::peer_closed) return size_t{0};
      if (timeout == 0 && state_ == State::connected) return Error::os(MP_EAGAIN);
      if (state_ == State::failed || state_ == State::dead || closed_) {
        bool finished = false;
        Result<size_t> checked = check_connected_for_recv(&finished);
        return checked;
      }
      // Still new or connecting: nothing to read from.
      return Error::os(timeout == 0 ? MP_EAGAIN : MP_ENOTCONN);
    }
  }

  RxChunk& chunk = rx_.front();
  const size_t mss = limits_.tcp_mss;
  const size_t segment_left = mss - (chunk.offset % mss);
  const size_t n = std::min({len, chunk.size - chunk.offset, segment_left});
  std::memcpy(buf, chunk.data.get() + chunk.offset, n);
  if ((flags & MP_MSG_PEEK) == 0) {
    chunk.offset += n;
    if (chunk.offset == chunk.size) {
      if (!rx_spare_ && chunk.size >= kCopyBelow) {
        // Give the big buffer back for the next read.
        rx_spare_ = std::move(chunk.data);
        rx_spare_size_ = kReadChunk;
      }
      rx_.pop_front();
    }
    consumed(n);
  }
  return n;
}

Result<size_t> TcpSocket::recv(uint8_t* buf, size_t len, int flags) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  bool finished = false;
  Result<size_t> checked = check_connected_for_recv(&finished);
  if (finished) return checked;
  return receive(lock, buf, len, flags);
}

Result<size_t> TcpSocket::recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  bool finished = false;
  Result<size_t> checked = check_connected_for_recv(&finished);
  if (finished) return checked;
  if (from != nullptr) *from = peer_;
  return receive(lock, buf, len, flags);
}

Result<size_t> TcpSocket::stream_recv_once(uint8_t* buf, size_t len) { return recv(buf, len, 0); }

// ---- Sending ----

size_t TcpSocket::send_room() const {
  return limits_.tcp_snd_buf > tx_queued_ ? limits_.tcp_snd_buf - tx_queued_ : 0;
}

// lwip_tcp_send: queue min(len, free send buffer) bytes; when there is no room, wait for some.
Result<size_t> TcpSocket::send_some(std::unique_lock<std::mutex>& lock, const uint8_t* data, size_t len) {
  size_t available = state_ == State::connecting ? 0 : send_room();
  if (available == 0) {
    const int64_t timeout = send_timeout_ms_;
    if (timeout == 0) return Error::os(MP_EAGAIN);
    const WaitOutcome outcome = stack_->wait(lock, Deadline::from_timeout_ms(timeout), [this] {
      if (state_ == State::connecting) return false;
      const bool open = state_ == State::connected || state_ == State::peer_closed;
      return !open || send_room() >= kMinSendRoom;
    });
    if (outcome == WaitOutcome::interrupted) return Error::interrupted();
    if (outcome == WaitOutcome::timed_out) return Error::os(MP_ETIMEDOUT);
    // While we waited, something could happen.
    if (closed_ || state_ == State::dead) return Error::os(MP_EBADF);
    if (state_ == State::failed) return Error::os(failure_);
    available = send_room();
  }
  // tcp_write refuses a pcb that is not connected (ERR_CONN).
  if (state_ != State::connected && state_ != State::peer_closed) return Error::os(MP_ENOTCONN);
  const size_t n = std::min(available, len);
  write_to_host(data, n);
  return n;
}

void TcpSocket::write_to_host(const uint8_t* data, size_t len) {
  if (len == 0 || handle_ == nullptr) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(handle_);
  if (tx_queued_ == 0) {
    uv_buf_t buf = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(data)),
                               static_cast<unsigned int>(len));
    const int written = uv_try_write(stream, &buf, 1);
    if (written > 0) {
      data += written;
      len -= static_cast<size_t>(written);
    } else if (written != UV_EAGAIN) {
      // The data counts as queued, as lwIP's tcp_write would have taken it; the error shows
      // at the script's next call.
      fail(firmware_errno_for_io(written));
      return;
    }
    if (len == 0) return;
  }
  auto* request = new WriteRequest;
  request->data.reset(new uint8_t[len]);
  std::memcpy(request->data.get(), data, len);
  request->size = len;
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(request->data.get()), static_cast<unsigned int>(len));
  request->request.data = this;
  if (uv_write(&request->request, stream, &buf, 1, on_write) != 0) {
    delete request;
    fail(MP_ECONNABORTED);
    return;
  }
  // The kernel takes the rest when it has room, whether or not the script calls in again.
  if (tx_queued_ == 0) stack_->add_background_work();
  tx_queued_ += len;
}

void TcpSocket::on_write(uv_write_t* request, int status) {
  auto* write = reinterpret_cast<WriteRequest*>(request);
  auto* socket = static_cast<TcpSocket*>(request->data);
  socket->tx_queued_ -= write->size;
  delete write;
  if (socket->tx_queued_ == 0) socket->stack_->remove_background_work();
  if (status < 0 && status != UV_ECANCELED && socket->state_ != State::failed &&
      socket->state_ != State::dead) {
    socket->fail(firmware_errno_for_io(status));
    return;
  }
  socket->stack_->notify_changed();
}

Result<size_t> TcpSocket::send(const uint8_t* data, size_t len) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  Status connected = check_connected_for_send();
  if (!connected) return connected.error();
  return send_some(lock, data, len);
}

Result<size_t> TcpSocket::sendto(const uint8_t* data, size_t len, const Endpoint& to) {
  (void)to;  // modlwip sends on the connection and ignores the address
  return send(data, len);
}

Status TcpSocket::sendall(const uint8_t* data, size_t len) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  Status connected = check_connected_for_send();
  if (!connected) return connected;
  // A non-blocking sendall that cannot queue everything at once sends nothing.
  if (send_timeout_ms_ == 0 && len > send_room()) return Error::os(MP_EAGAIN);
  // The timeout applies to each chunk, as in modlwip.
  while (len > 0) {
    Result<size_t> sent = send_some(lock, data, len);
    if (!sent) return sent.error();
    data += *sent;
    len -= *sent;
  }
  return {};
}

// lwip_socket_write goes straight to lwip_tcp_send: a pending error is raised every time.
Result<size_t> TcpSocket::stream_send_once(const uint8_t* data, size_t len) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  if (closed_ || state_ == State::dead) return Error::os(MP_EBADF);
  if (state_ == State::failed) return Error::os(failure_);
  return send_some(lock, data, len);
}

// ---- Options, poll, printing ----

Result<OptionOutcome> TcpSocket::set_option_locked(int option, const OptionValue& value) {
  switch (option) {
    case MP_SO_REUSEADDR:
      reuse_address_ = std::get<int64_t>(value) != 0;
      apply_options();
      return OptionOutcome::applied;
    case MP_TCP_NODELAY:
      no_delay_ = std::get<int64_t>(value) != 0;
      apply_options();
      return OptionOutcome::applied;
    case MP_SO_BROADCAST:
    case MP_IP_ADD_MEMBERSHIP:
    case MP_IP_DROP_MEMBERSHIP:
      // Accepted as the firmware does (an option bit; IGMP is per interface), no effect on TCP.
      return OptionOutcome::applied;
    default:
      return OptionOutcome::not_implemented;
  }
}

// modlwip lwip_socket_ioctl(MP_STREAM_POLL), with the reset states of the spec.
int TcpSocket::poll_locked(int requested) {
  int ready = 0;
  if (closed_) return MP_POLLNVAL;
  if (requested & MP_POLLIN) {
    if (state_ == State::listening) {
      take_waiting_connection();
      if (!accept_queue_.empty()) ready |= MP_POLLIN;
    } else if (!rx_.empty() || (state_ == State::failed && failure_ == MP_ECONNRESET)) {
      ready |= MP_POLLIN;
    }
  }
  if (requested & MP_POLLOUT) {
    const bool has_pcb = state_ == State::fresh || state_ == State::connected || state_ == State::peer_closed;
    if (has_pcb && send_room() > 0) ready |= MP_POLLOUT;
  }
  switch (state_) {
    case State::fresh:
      ready |= MP_POLLHUP;  // not connected
      break;
    case State::peer_closed:
      ready |= requested & (MP_POLLIN | MP_POLLOUT);  // read gives EOF, write an error
      break;
    case State::failed:
      if (failure_ == MP_ECONNRESET) {
        ready |= MP_POLLHUP;
        if (!reset_reported_) ready |= (requested & MP_POLLOUT) | MP_POLLERR;
      } else {
        ready |= MP_POLLERR;
      }
      break;
    case State::dead:
      ready |= MP_POLLNVAL;
      break;
    default:
      break;
  }
  return ready;
}

int TcpSocket::repr_state_locked() const {
  switch (state_) {
    case State::fresh:
      return 0;
    case State::listening:
      return 1;
    case State::connecting:
      return 2;
    case State::connected:
      return 3;
    case State::peer_closed:
      return 4;
    case State::failed:
      // lwIP 2 err_t values.
      switch (failure_) {
        case MP_ECONNRESET:
          return -14;
        case MP_ETIMEDOUT:
          return -3;
        case MP_EHOSTUNREACH:
          return -4;
        default:
          return -13;
      }
    case State::dead:
      return -17;  // _ERR_BADF
  }
  return 0;
}

std::string TcpSocket::repr_incoming_locked() const {
  if (state_ == State::listening) return std::to_string(accept_queue_.size());
  const size_t offset = rx_.empty() ? 0 : rx_.front().offset;
  return std::to_string(rx_bytes_) + " off=" + std::to_string(offset);
}

Result<Endpoint> TcpSocket::local_endpoint() {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (handle_ == nullptr) {
    if (closed_) return Error::os(MP_EBADF);
    return Endpoint{IpAddress::any(family_ == MP_AF_INET6 && limits_.ipv6 ? MP_AF_INET6 : MP_AF_INET), 0};
  }
  sockaddr_storage name{};
  int length = sizeof(name);
  if (uv_tcp_getsockname(handle_, reinterpret_cast<sockaddr*>(&name), &length) != 0) {
    return Error::os(MP_EINVAL);
  }
  return from_host_address(reinterpret_cast<sockaddr*>(&name));
}

Result<Endpoint> TcpSocket::peer_endpoint() {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_ || state_ == State::dead) return Error::os(MP_EBADF);
  if (state_ != State::connected && state_ != State::peer_closed) return Error::os(MP_ENOTCONN);
  return peer_;
}

}  // namespace mpsock
