#include "tcp_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "buffer_pool.h"
#include "host_socket.h"
#include "platform.h"
#include "recv_sleeper.h"

namespace mpsock {

namespace {

// The kernel hands over at most this much per read; it is also the desktop profile's segment.
constexpr size_t kReadChunk = BufferPool::kBlockSize;
// Reads smaller than this are copied out of the spare buffer rather than taking it over.
constexpr size_t kCopyBelow = 16 * 1024;
// lwip_tcp_send: a blocked send waits until at least this much room, to avoid tiny segments.
constexpr size_t kMinSendRoom = 16;
// Send buffers up to this size count the kernel's unacknowledged bytes, as lwIP does; the
// desktop profile's larger buffer leaves that to the kernel.
constexpr size_t kCountKernelUnackedUpTo = 256 * 1024;
// How often a sender blocked on unacknowledged data looks again.
constexpr uint64_t kAckCheckMs = 1;
constexpr uint64_t kClosingAckCheckMs = 20;
// The client's SYN retransmissions after lwIP dropped one, and how many it makes.
constexpr int kFirstSynRetryMs = 1000;
constexpr int kSynRetries = 6;
// A non-blocking connect from v1.24 on polls the stack once before EINPROGRESS: on the board,
// MICROPY_EVENT_POLL_HOOK waits for the next event or the 1 ms tick, so a handshake faster
// than that completes within the call.
constexpr int64_t kConnectPollMs = 1;
// A handshake with a peer on this machine takes no time but the emulated link's; only the
// host's scheduling delays the kernel's answer, so that poll waits for it this long.
constexpr int64_t kLocalHandshakeMs = 20;
// A SYN nothing answers (sent to the camera's own address): lwIP's tcp_slowtmr retransmits it
// every 3 s (the initial RTO, not backed off in SYN_SENT) up to TCP_SYNMAXRTX (6) times, then
// aborts the pcb with ERR_ABRT.
constexpr uint64_t kUnansweredGivesUpMs = 18500;

struct WriteRequest {
  uv_write_t request;
  std::unique_ptr<uint8_t[]> data;
  size_t size;
  bool pooled;  // data is a BufferPool block
};

void delete_timer(uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); }

uint64_t milliseconds_until(Clock::time_point when) {
  const auto left = when - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  return static_cast<uint64_t>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

}  // namespace

std::shared_ptr<TcpSocket> TcpSocket::create(std::shared_ptr<Stack> stack, int af,
                                             std::shared_ptr<const Profile> limits) {
  std::shared_ptr<TcpSocket> socket(new TcpSocket(std::move(stack), af, std::move(limits)));
  socket->stack_->register_socket(socket);
  return socket;
}

TcpSocket::TcpSocket(std::shared_ptr<Stack> stack, int af, std::shared_ptr<const Profile> limits)
    : Socket(std::move(stack), af, MP_SOCK_STREAM) {
  limits_ = std::move(limits);
  counts_kernel_unacked_ = limits_->tcp_snd_buf <= kCountKernelUnackedUpTo;
}

// A socket with an open handle keeps itself alive, so by now there is no handle; all that can
// be left is the pcb. This may run with the stack lock held (from a close callback), so it
// takes no lock.
TcpSocket::~TcpSocket() { release_pcb(); }

// ---- Handle lifetime ----

Status TcpSocket::open_handle(const IpAddress& family_of) {
  if (handle_ != nullptr) return {};
  // uv_tcp_open makes the socket non-blocking once more (a system call for nothing), but
  // uv_tcp_init_ex's own socket would not be readable and writable for libuv until libuv
  // connected it, and the connect is made directly (connect_directly).
  const int fd = open_host_socket(family_of, SOCK_STREAM);
  if (fd < 0) return Error::os(MP_ENOMEM);
  auto* handle = new uv_tcp_t;
  uv_tcp_init(stack_->loop(), handle);
  handle->data = this;
  if (uv_tcp_open(handle, fd) != 0) {
    ::close(fd);
    uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return Error::os(MP_ENOMEM);
  }
  handle_ = handle;
  self_ = std::static_pointer_cast<TcpSocket>(shared_from_this());
  apply_options(true);
  return {};
}

void TcpSocket::apply_options(bool just_opened) {
  if (handle_ == nullptr) return;
  const int fd = kernel_fd();
  // A new kernel socket does not reuse addresses: only a socket asked to needs telling.
  if (fd >= 0 && (reuse_address_ || !just_opened)) {
    const int reuse = reuse_address_ ? 1 : 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
  }
}

// Nagle's algorithm on the host connection. lwIP holds a segment smaller than its MSS while
// data is unacknowledged (unless TCP_NODELAY); the kernel's Nagle does the same at the host
// connection's MSS, 64 KiB less the headers on loopback. Under a profile with segments that
// large (desktop) the kernel's Nagle is lwIP's, and the script's TCP_NODELAY is passed on.
// Under a camera profile it would hold the camera's 800-byte segments for the peer's delayed
// ACK (40 ms) where lwIP, at its own MSS, sends them: the connection sends at once, and the
// emulator does the segmenting itself. Matched before each write rather than at the socket's
// creation, so a connection that never sends (a connect and close) spends no system call on it;
// a listener matches it for the connections it accepts, which inherit the kernel's setting.
constexpr size_t kLoopbackMss = 65536 - 40 - 12;  // loopback's MTU less IP, TCP and timestamps

void TcpSocket::match_host_nagle() {
  if (handle_ == nullptr) return;
  const bool at_once = no_delay_ || limits_->tcp_mss < kLoopbackMss;
  if (host_no_delay_ == at_once) return;
  host_no_delay_ = at_once;
  uv_tcp_nodelay(handle_, at_once ? 1 : 0);
}

void TcpSocket::close_handle(bool reset) {
  // The timers point at this socket, which may go once the handle is closed.
  if (close_timer_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(close_timer_), delete_timer);
    close_timer_ = nullptr;
  }
  stop_watching_connect();
  for (uv_timer_t** timer : {&link_timer_, &syn_retry_timer_, &ack_timer_, &unanswered_timer_}) {
    if (*timer != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(*timer), delete_timer);
      *timer = nullptr;
    }
  }
  if (link_work_) {
    link_work_ = false;
    stack_->remove_background_work();
  }
  if (handle_ == nullptr) return;
  // A receive asleep in the kernel's recv leaves it before the descriptor closes.
  if (stack_->recv_sleeper().asleep_on(this)) stack_->recv_sleeper().wake_and_wait(kernel_fd());
  if (file_lent_) {
    file_lent_ = false;
    stack_->forget_lent_file(this);
  }
  uv_tcp_t* handle = handle_;
  handle_ = nullptr;
  reading_ = false;
  reading_lent_ = false;
  if (reset && uv_tcp_close_reset(handle, on_close) == 0) return;
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(handle))) {
    uv_close(reinterpret_cast<uv_handle_t*>(handle), on_close);
  }
}

void TcpSocket::on_close(uv_handle_t* handle) {
  auto* socket = static_cast<TcpSocket*>(handle->data);
  delete reinterpret_cast<uv_tcp_t*>(handle);
  if (socket == nullptr) return;
  if (socket->lingering_) {
    socket->lingering_ = false;
    socket->release_pcb();  // a lingering close holds its pcb until now
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
  uv_tcp_t* const handle = handle_;
  const bool listening = state_ == State::listening;
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
      if (rx_bytes_ > 0 || rx_link_bytes_ > 0) {
        close_handle(true);
      } else if (handle_ != nullptr &&
                 (tx_queued_ > 0 || tx_link_bytes_ > 0 || unacked_in_kernel() > 0)) {
        // Only a connection that still has its handle can finish sending; without one (the
        // handle went with a shutdown that completed) nothing would keep the socket alive
        // for the close timer.
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
  rx_link_.clear();
  rx_link_bytes_ = 0;
  drop_before_connected();
  connect_pending_ = false;
  state_ = State::dead;
  if (!lingering_) release_pcb();
  // Closed outright with no write in flight (whose callback needs the socket) and no accepted
  // connection closing with it (each holds itself until its own callback): the handle's close
  // callback has nothing left to do for the socket but let go of it, so the socket lets go of
  // itself now and the callback, whenever the loop next turns, frees only the handle.
  if (handle != nullptr && handle_ == nullptr && !lingering_ && !listening && tx_queued_ == 0) {
    handle->data = nullptr;
    closed_alone_ = true;
  }
}

bool TcpSocket::closed_without_turn_locked(std::shared_ptr<Socket>* released) {
  if (!closed_alone_) return false;
  *released = std::move(self_);
  return true;
}

// The rest of the data goes out (through the link first, then the kernel), then FIN; the
// close timeout aborts it.
void TcpSocket::linger() {
  stop_reading();
  lingering_ = true;
  stack_->add_background_work();
  close_timer_ = new uv_timer_t;
  uv_timer_init(stack_->loop(), close_timer_);
  close_timer_->data = this;
  uv_update_time(stack_->loop());
  uv_timer_start(close_timer_, on_close_timeout, static_cast<uint64_t>(limits_->close_timeout_ms), 0);
  if (tx_link_bytes_ == 0) {
    shutdown_sent_ = true;
    auto* request = new uv_shutdown_t;
    if (uv_shutdown(request, reinterpret_cast<uv_stream_t*>(handle_), on_shutdown) != 0) {
      delete request;
      close_handle(true);
    }
  }
}

void TcpSocket::on_shutdown(uv_shutdown_t* request, int status) {
  (void)status;
  auto* socket = static_cast<TcpSocket*>(request->handle->data);
  delete request;
  if (socket == nullptr) return;
  // The FIN is queued; the close is done when the peer has acknowledged everything. Until
  // then the data is in lwIP's send buffer on the camera, and the close timer still runs. The
  // close waits for ACKs as a sender does (see send_some): this look arms the check.
  socket->shutdown_done_ = true;
  if (socket->unacked_in_kernel() > 0) {
    socket->watch_acks();
    return;
  }
  socket->close_handle(false);
}

void TcpSocket::on_close_timeout(uv_timer_t* timer) {
  // _lwip_tcp_close_poll: the close did not complete in time, abort the connection.
  static_cast<TcpSocket*>(timer->data)->close_handle(true);
}

// ---- Errors and state ----

void TcpSocket::fail(int firmware_errno) {
  // _lwip_tcp_error: lwIP has freed the pcb. Received data goes with it, except after the
  // peer's reset from v1.28 on, when what was received is still read first.
  state_ = State::failed;
  failure_ = firmware_errno;
  reset_reported_ = false;
  if (firmware_errno != MP_ECONNRESET || !keeps_data_on_reset(limits_->micropython)) {
    rx_.clear();
    rx_bytes_ = 0;
  }
  drop_before_connected();
  rx_link_.clear();
  rx_link_bytes_ = 0;
  tx_link_.clear();
  tx_link_bytes_ = 0;
  connect_pending_ = false;
  trace_event(firmware_errno == MP_ECONNRESET ? "reset" : "error", -1, firmware_errno);
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
    if (failure_ == MP_ECONNRESET && !rx_.empty()) {
      // Data kept from before the reset (v1.28): read first, the reset after it.
      *finished = false;
      return size_t{0};
    }
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

Status TcpSocket::do_bind(const Endpoint& local) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_ || state_ == State::dead || state_ == State::failed) return Error::os(MP_EBADF);
  // lwIP tcp_bind: only a pcb in state CLOSED, and only once.
  if (state_ != State::fresh || bound_) return Error::os(MP_EINVAL);
  Status opened = open_handle(local.ip);
  if (!opened) return opened;
  // Bound on the descriptor itself: libuv would defer EADDRINUSE to listen or connect, and
  // the firmware reports it here.
  uv_os_fd_t fd;
  uv_fileno(reinterpret_cast<uv_handle_t*>(handle_), &fd);
  HostAddress host = to_host_address(stack_->host_bind(local.ip, false).ip, local.port);
  int r = ::bind(fd, host.get(), host.length);
  if (r != 0 && errno == EADDRNOTAVAIL) {
    // Exposed, an address that is not the host's is the camera's own: it lives on loopback.
    host = to_host_address(IpAddress::loopback_like(local.ip), local.port);
    r = ::bind(fd, host.get(), host.length);
  }
  if (r != 0) return Error::os(firmware_errno_for_bind(-errno));
  bound_ = true;
  return {};
}

Status TcpSocket::do_listen(int backlog) {
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

  const IpAddress wildcard = IpAddress::any(family_ == MP_AF_INET6 && limits_->ipv6 ? MP_AF_INET6 : MP_AF_INET);
  Status opened = open_handle(wildcard);
  if (!opened) return opened;
  if (!bound_) {
    const HostAddress host = to_host_address(stack_->host_bind(wildcard, false).ip, 0);
    uv_tcp_bind(handle_, host.get(), 0);
    bound_ = true;
  }
  match_host_nagle();  // for the connections it accepts, which inherit it
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
  listener->take_waiting_connection(true);
}

// _lwip_tcp_accept: queue the new connection if there is a slot and a pcb for it. Otherwise
// leave it with libuv, which stops accepting until we come back for it: lwIP dropped the SYN,
// so the connection gets its next chance when the client retransmits.
void TcpSocket::take_waiting_connection(bool just_arrived) {
  if (!connection_waiting_ || state_ != State::listening) return;
  if (just_arrived) {
    syn_retries_ = 0;
  } else if (Clock::now() < syn_retry_at_) {
    return;
  }
  const bool room = stack_->link().up() && accept_queue_.size() < accept_slots_;
  if (!room || !stack_->reserve_pcb(PcbKind::tcp)) {
    retry_waiting_connection_later();
    return;
  }
  connection_waiting_ = false;
  if (syn_retry_timer_ != nullptr) uv_timer_stop(syn_retry_timer_);

  std::shared_ptr<TcpSocket> child = create(stack_, family_, limits_);
  auto* handle = new uv_tcp_t;
  uv_tcp_init(stack_->loop(), handle);
  handle->data = child.get();
  child->handle_ = handle;
  child->host_no_delay_ = host_no_delay_;  // the kernel's accepted socket inherits it
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
  trace_event("incoming");
  accept_queue_.push_back(std::move(child));
  fire_event_locked();
  stack_->notify_changed();
}

void TcpSocket::retry_waiting_connection_later() {
  if (syn_retries_ >= kSynRetries) {
    // The client gave up (its connect timed out): take the connection and reset it.
    connection_waiting_ = false;
    uv_tcp_t* handle = new uv_tcp_t;
    uv_tcp_init(stack_->loop(), handle);
    handle->data = nullptr;
    if (uv_accept(reinterpret_cast<uv_stream_t*>(handle_), reinterpret_cast<uv_stream_t*>(handle)) != 0 ||
        uv_tcp_close_reset(handle, [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); }) != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    }
    return;
  }
  syn_retry_at_ = Clock::now() + std::chrono::milliseconds(kFirstSynRetryMs << syn_retries_);
  ++syn_retries_;
  if (syn_retry_timer_ == nullptr) {
    syn_retry_timer_ = new uv_timer_t;
    uv_timer_init(stack_->loop(), syn_retry_timer_);
    syn_retry_timer_->data = this;
  }
  uv_update_time(stack_->loop());
  uv_timer_start(syn_retry_timer_, on_syn_retry, milliseconds_until(syn_retry_at_), 0);
}

void TcpSocket::on_syn_retry(uv_timer_t* timer) {
  auto* listener = static_cast<TcpSocket*>(timer->data);
  listener->take_waiting_connection();
  listener->stack_->notify_changed();
}

Result<Accepted> TcpSocket::do_accept() {
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

Status TcpSocket::do_connect(const Endpoint& remote) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  if (closed_ || state_ == State::dead || state_ == State::failed) return Error::os(MP_EBADF);
  if (state_ != State::fresh) {
    return Error::os(state_ == State::connected ? MP_EISCONN : MP_EALREADY);
  }
  // tcp_connect finds no route while the interface is down (ERR_RTE).
  if (!stack_->link().up()) return Error::os(MP_EHOSTUNREACH);
  const Stack::SelfRoute self =
      limits_->loopback ? Stack::SelfRoute::none : stack_->self_route_locked(remote, MP_SOCK_STREAM);
  // No loopback interface: ip_route has nothing for 127.0.0.1 (ERR_RTE).
  if (self == Stack::SelfRoute::loopback) return Error::os(MP_EHOSTUNREACH);
  peer_ = remote;
  const int64_t timeout = send_timeout_ms_;
  if (self == Stack::SelfRoute::own_address) {
    connect_unanswered();
  } else {
    Status opened = open_handle(remote.ip);
    if (!opened) return opened;
    const HostAddress host = to_host_address(stack_->host_destination(remote.ip), remote.port);
    // A blocking connect over an unshaped link goes straight to the kernel (connect_directly).
    // A non-blocking one goes through libuv, so its completion comes from a turn of the loop
    // after the call, as over a real link; so does any connect whose handshake crosses a
    // shaped link (on_connect puts it there).
    if (timeout != 0 && !uses_link()) {
      Status started = connect_directly(host, remote);
      if (!started) return started;
    } else {
      auto* request = new uv_connect_t;
      const int r = uv_tcp_connect(request, handle_, host.get(), on_connect);
      if (r != 0) {
        delete request;
        return Error::os(firmware_errno_for_connect(r));
      }
      state_ = State::connecting;
    }
  }

  if (timeout == 0) {
    // Before v1.24 a non-blocking connect raises EINPROGRESS at once. From v1.24 it polls the
    // stack once first (lwip_socket_connect), so a link faster than the poll connects here.
    if (!connect_polls_once(limits_->micropython)) return Error::os(MP_EINPROGRESS);
    // What decides is the handshake's time on the emulated link, not the host's: a peer on
    // this machine answers at once, then the answer crosses the link (connect_pending_).
    const WaitOutcome outcome =
        stack_->wait(lock, Deadline::after_ms(remote.ip.is_loopback() ? kLocalHandshakeMs : kConnectPollMs),
                     [this] { return state_ != State::connecting || connect_pending_; });
    if (outcome == WaitOutcome::interrupted) return Error::interrupted();
    if (connect_pending_ && connect_crossing_ <= std::chrono::milliseconds(kConnectPollMs)) {
      // A link faster than the poll: the answer arrives within it.
      const WaitOutcome crossed = stack_->wait(lock, Deadline::after_ms(kLocalHandshakeMs),
                                               [this] { return state_ != State::connecting; });
      if (crossed == WaitOutcome::interrupted) return Error::interrupted();
    }
    if (state_ == State::connecting) return Error::os(MP_EINPROGRESS);
    return finish_connect();
  }
  // A direct connect the kernel settled at once has nothing to wait for: no turn of the loop.
  if (state_ == State::connecting) {
    const WaitOutcome outcome = stack_->wait(lock, Deadline::from_timeout_ms(timeout),
                                             [this] { return state_ != State::connecting; });
    if (outcome == WaitOutcome::interrupted) return Error::interrupted();
    if (outcome == WaitOutcome::timed_out) {
      // The connection attempt goes on; its completion shows as POLLOUT.
      return Error::os(MP_ETIMEDOUT);
    }
  }
  return finish_connect();
}

// How a connect ends once the handshake is over. A peer that accepted, sent and closed before
// connect looked leaves the socket "peer closed": the firmware reads that state as an lwIP
// error and raises a meaningless errno (docs/firmware-behaviour.md, "connect and a peer that
// closes at once"); the emulator connects, as the firmware means to.
Status TcpSocket::finish_connect() {
  if (state_ == State::connected || state_ == State::peer_closed) return {};
  if (state_ == State::failed) return Error::os(failure_);
  return Error::os(MP_EBADF);  // closed by another thread meanwhile
}

void TcpSocket::drop_before_connected() {
  before_connected_.clear();
  if (early_work_) {
    early_work_ = false;
    stack_->remove_background_work();
  }
}

// A connect to the camera's own address: the SYN goes out on the link and nothing answers it.
// The connect stays in progress until a timeout, or until lwIP gives up (ERR_ABRT).
void TcpSocket::connect_unanswered() {
  state_ = State::connecting;
  trace_event("syn-unanswered");
  unanswered_timer_ = new uv_timer_t;
  uv_timer_init(stack_->loop(), unanswered_timer_);
  unanswered_timer_->data = this;
  uv_update_time(stack_->loop());
  uv_timer_start(unanswered_timer_, on_unanswered_gives_up, kUnansweredGivesUpMs, 0);
  stack_->timer_started();
}

void TcpSocket::on_unanswered_gives_up(uv_timer_t* timer) {
  auto* socket = static_cast<TcpSocket*>(timer->data);
  if (socket->state_ == State::connecting) socket->fail(MP_ECONNABORTED);
}

// lwIP's tcp_connect, straight on the kernel socket: on loopback the handshake is over by
// the time connect(2) returns, so a blocking connect costs connect(2) and getpeername(2), with
// no watcher to add to the loop, no turn of it and no SO_ERROR to fetch. When the kernel has
// not settled it yet, a watcher on a second descriptor of the socket (the handle's own is for
// reading) wakes the loop when it has, as libuv's connect request would; the wait, its timeout
// and an attempt that goes on after it are then as for libuv's. Immediate errors are returned
// as uv_tcp_connect returns them (a refusal is the connect's outcome, not an error of the call).
Status TcpSocket::connect_directly(const HostAddress& host, const Endpoint& remote) {
  const int fd = kernel_fd();
  if (fd < 0) return Error::os(MP_ENOMEM);
  // A non-blocking connect(2) is not restarted after a signal: the attempt goes on regardless.
  if (::connect(fd, host.get(), host.length) != 0 && errno != EINPROGRESS && errno != EINTR) {
    if (errno != ECONNREFUSED) return Error::os(firmware_errno_for_connect(-errno));
    peer_ = remote;
    state_ = State::connecting;
    fail(firmware_errno_for_connect(UV_ECONNREFUSED));
    return {};
  }
  peer_ = remote;
  state_ = State::connecting;
  if (!settle_connect()) watch_connect();
  return {};
}

// Whether the kernel has finished a direct connect: connected (getpeername answers) or failed
// (SO_ERROR says why). False while the handshake goes on.
bool TcpSocket::settle_connect() {
  const int fd = kernel_fd();
  if (fd < 0) return false;
  sockaddr_storage peer{};
  socklen_t length = sizeof(peer);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0) {
    became_connected(reinterpret_cast<const sockaddr*>(&peer));
    return true;
  }
  const int error = kernel_error();
  if (error == 0 || error == EINPROGRESS) return false;
  fail(firmware_errno_for_connect(-error));
  return true;
}

namespace {

// The watcher of a direct connect still going on, with the descriptor it watches.
struct ConnectWatch {
  uv_poll_t poll;
  int fd;
};

}  // namespace

void TcpSocket::watch_connect() {
  const int fd = fcntl(kernel_fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    fail(MP_ENOMEM);
    return;
  }
  auto* watch = new ConnectWatch{{}, fd};
  if (uv_poll_init(stack_->loop(), &watch->poll, fd) != 0) {
    ::close(fd);
    delete watch;
    fail(MP_ENOMEM);
    return;
  }
  watch->poll.data = this;
  connect_watch_ = &watch->poll;
  uv_poll_start(connect_watch_, UV_WRITABLE, [](uv_poll_t* poll, int, int) {
    auto* socket = static_cast<TcpSocket*>(poll->data);
    if (socket->state_ == State::connecting && !socket->settle_connect()) return;
    socket->stop_watching_connect();
  });
}

void TcpSocket::stop_watching_connect() {
  if (connect_watch_ == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(connect_watch_), [](uv_handle_t* handle) {
    auto* watch = reinterpret_cast<ConnectWatch*>(handle);
    ::close(watch->fd);
    delete watch;
  });
  connect_watch_ = nullptr;
}

void TcpSocket::on_connect(uv_connect_t* request, int status) {
  auto* socket = static_cast<TcpSocket*>(request->handle->data);
  delete request;
  if (status == UV_ECANCELED || socket == nullptr || socket->state_ != State::connecting) return;
  const int error = status == 0 ? 0 : firmware_errno_for_connect(status);
  if (socket->uses_link()) {
    // The SYN and the answer (SYN-ACK, or RST from a closed port) still cross the link.
    Link& link = socket->stack_->link();
    const Clock::time_point now = Clock::now();
    const Link::Crossing syn = link.cross(Link::Direction::out, 0, true, Clock::time_point{});
    const Link::Crossing answer = link.cross(Link::Direction::in, 0, true, Clock::time_point{});
    socket->connect_pending_ = true;
    socket->connect_error_ = error;
    socket->connect_crossing_ = (syn.arrives - now) + (answer.arrives - now);
    socket->connect_completes_ = now + socket->connect_crossing_;
    socket->schedule_link_timer();
    return;
  }
  if (error != 0) {
    socket->fail(error);
    return;
  }
  socket->became_connected();
}

void TcpSocket::became_connected(const sockaddr* peer_name) {
  state_ = State::connected;
  sockaddr_storage peer{};
  int length = sizeof(peer);
  if (peer_name != nullptr) {
    peer_ = from_host_address(peer_name);
  } else if (handle_ != nullptr &&
             uv_tcp_getpeername(handle_, reinterpret_cast<sockaddr*>(&peer), &length) == 0) {
    peer_ = from_host_address(reinterpret_cast<sockaddr*>(&peer));
  }
  trace_event("connected");
  if (!before_connected_.empty()) {
    // What the script sent while connecting (before v1.25) follows the handshake.
    std::vector<uint8_t> early = std::move(before_connected_);
    drop_before_connected();
    if (uses_link()) {
      send_over_link(early.data(), early.size());
    } else {
      write_to_host(early.data(), early.size());
    }
  }
  start_reading();
  fire_event_locked();
  stack_->notify_changed();
}

// ---- Receiving ----

void TcpSocket::start_reading() {
  if (reading_ || handle_ == nullptr) return;
  if (state_ != State::connected) return;
  if (window_left() == 0) return;  // the window is closed until the script reads
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(handle_), on_alloc, on_read) == 0) reading_ = true;
}

// lwIP's receive window: what the peer may still send before the script reads, the window less
// what is queued here and on the link.
size_t TcpSocket::window_left() const {
  const size_t held = rx_bytes_ + rx_link_bytes_;
  return limits_->tcp_wnd > held ? limits_->tcp_wnd - held : 0;
}

void TcpSocket::stop_reading() {
  if (!reading_ || handle_ == nullptr) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(handle_));
  reading_ = false;
}

void TcpSocket::on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  (void)suggested;
  auto* socket = static_cast<TcpSocket*>(handle->data);
  // Never read beyond the open window: the peer's data waits in the kernel instead.
  const size_t window = socket->window_left();
  // on_read gets the block back in `buf` whatever happens, and returns it to the pool.
  buf->base = reinterpret_cast<char*>(socket->stack_->buffers().take().release());
  buf->len = std::min(kReadChunk, window);
}

void TcpSocket::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* socket = static_cast<TcpSocket*>(stream->data);
  std::unique_ptr<uint8_t[]> block(reinterpret_cast<uint8_t*>(buf->base));
  if (nread <= 0) socket->stack_->buffers().give(std::move(block));
  if (nread == 0 || nread == UV_ENOBUFS) {
    if (nread == UV_ENOBUFS) socket->stop_reading();
    return;
  }
  // libuv reports a hang-up after a short read as the end of the stream without reading on,
  // so a reset that came after data would read as a FIN: the kernel's pending error tells.
  if (nread == UV_EOF && socket->kernel_error() == ECONNRESET) nread = UV_ECONNRESET;
  if (nread == UV_EOF) {
    // _lwip_tcp_recv with p == NULL: the peer closed its side.
    socket->stop_reading();
    if (socket->uses_link()) {
      socket->receive_over_link(IncomingPiece::Kind::end_of_stream, RxChunk{});
      return;
    }
    IncomingPiece end;
    end.kind = IncomingPiece::Kind::end_of_stream;
    socket->arrive(end);
    return;
  }
  if (nread < 0) {
    const int error = firmware_errno_for_io(static_cast<int>(nread));
    if (error == MP_ECONNRESET && socket->uses_link()) {
      socket->stop_reading();
      socket->receive_over_link(IncomingPiece::Kind::reset, RxChunk{});
      return;
    }
    socket->fail(error);
    return;
  }
  socket->took_from_kernel(std::move(block), static_cast<size_t>(nread));
}

// `size` bytes the kernel handed over in `block` (a BufferPool block) reach the socket, across
// the link when it is in the way.
void TcpSocket::took_from_kernel(std::unique_ptr<uint8_t[]> block, size_t size) {
  RxChunk chunk;
  chunk.size = size;
  if (size < kCopyBelow) {
    chunk.data.reset(new uint8_t[size]);
    std::memcpy(chunk.data.get(), block.get(), size);
    stack_->buffers().give(std::move(block));
  } else {
    chunk.data = std::move(block);
    chunk.pooled = true;
  }
  if (uses_link()) {
    receive_over_link(IncomingPiece::Kind::data, std::move(chunk));
  } else {
    IncomingPiece piece;
    piece.chunk = std::move(chunk);
    rx_link_bytes_ += size;  // arrive() moves it from the link's count to the queue's
    arrive(piece);
  }
  if (window_left() == 0) stop_reading();
}

// The loop's read for this socket, done by the caller (see receive_alone): up to what the
// window lets in, into a block, queued as on_read queues it. True when something was queued.
bool TcpSocket::read_as_the_loop(bool* would_block) {
  const int fd = kernel_fd();
  const size_t window = window_left();
  if (fd < 0 || window == 0) return false;
  std::unique_ptr<uint8_t[]> block = stack_->buffers().take();
  const ssize_t n = ::recv(fd, block.get(), std::min(kReadChunk, window), MSG_DONTWAIT);
  if (n <= 0) {
    const int error = n < 0 ? errno : 0;
    stack_->buffers().give(std::move(block));
    *would_block = error == EAGAIN || error == EWOULDBLOCK;
    // An error is the kernel's once (this read took it): on_read's _lwip_tcp_error. An end of
    // stream stays, for the loop to report the usual way.
    if (error != 0 && !*would_block && error != EINTR) fail(firmware_errno_for_io(-error));
    return false;
  }
  took_from_kernel(std::move(block), static_cast<size_t>(n));
  return true;
}

// Data, an end of stream or a reset reaches the socket: _lwip_tcp_recv and _lwip_tcp_error.
void TcpSocket::arrive(IncomingPiece& piece) {
  switch (piece.kind) {
    case IncomingPiece::Kind::data: {
      const size_t size = piece.chunk.size;
      rx_link_bytes_ -= size;
      rx_bytes_ += size;
      rx_.push_back(std::move(piece.chunk));
      stack_->count_link_bytes(size);
      trace_event("data-in", static_cast<int64_t>(size));
      break;
    }
    case IncomingPiece::Kind::end_of_stream:
      if (state_ == State::connected) state_ = State::peer_closed;
      trace_event("peer-closed");
      break;
    case IncomingPiece::Kind::reset:
      fail(MP_ECONNRESET);
      return;
  }
  fire_event_locked();
  stack_->notify_changed();
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
      if (std::optional<Result<size_t>> direct = receive_directly(buf, len, flags)) return *direct;
      // Non-blocking: let the network run once, as modlwip's poll_sockets does.
      stack_->pump();
    } else {
      const Deadline deadline = Deadline::from_timeout_ms(timeout);
      if (std::optional<Result<size_t>> taken = receive_alone(lock, buf, len, flags, deadline)) return *taken;
      if (rx_.empty()) {
        // Each check takes the kernel's bytes straight into `buf` when nothing is queued here.
        std::optional<Result<size_t>> direct;
        const WaitOutcome outcome = stack_->wait_reading_directly(lock, deadline, [&] {
          if (state_ != State::connected || !rx_.empty()) return true;
          direct = receive_directly(buf, len, flags);
          return direct.has_value();
        });
        if (direct) return *direct;
        if (outcome == WaitOutcome::interrupted) return Error::interrupted();
        if (outcome == WaitOutcome::timed_out) return Error::os(MP_ETIMEDOUT);
      }
    }
    if (rx_.empty()) {
      if (state_ == State::peer_closed) return size_t{0};
      if (timeout == 0 && state_ == State::connected) return Error::os(MP_EAGAIN);
      if (state_ == State::failed || state_ == State::dead || closed_) {
        bool finished = false;
        return check_connected_for_recv(&finished);
      }
      // Still new or connecting: nothing to read from.
      return Error::os(timeout == 0 ? MP_EAGAIN : MP_ENOTCONN);
    }
  }

  RxChunk& chunk = rx_.front();
  const size_t mss = limits_->tcp_mss;
  const size_t segment_left = mss - (chunk.offset % mss);
  const size_t n = std::min({len, chunk.size - chunk.offset, segment_left});
  std::memcpy(buf, chunk.data.get() + chunk.offset, n);
  if ((flags & MP_MSG_PEEK) == 0) {
    chunk.offset += n;
    if (chunk.offset == chunk.size) {
      // A whole read block: give it back for the next read.
      if (chunk.pooled) stack_->buffers().give(std::move(chunk.data));
      rx_.pop_front();
    }
    consumed(n);
  }
  return n;
}

// With nothing queued here, the next bytes are the kernel's: read them straight into the
// caller's buffer (one segment at most), saving a copy and a turn of the loop. nullopt when the
// kernel has nothing either, or the link is in the way.
std::optional<Result<size_t>> TcpSocket::receive_directly(uint8_t* buf, size_t len, int flags,
                                                          bool* would_block) {
  if (state_ != State::connected || !reading_ || uses_link()) return std::nullopt;
  const int fd = kernel_fd();
  if (fd < 0) return std::nullopt;
  const size_t want = std::min(len, limits_->tcp_mss);
  if (want == 0) return std::nullopt;
  const ssize_t n = ::recv(fd, buf, want, MSG_DONTWAIT | ((flags & MP_MSG_PEEK) ? MSG_PEEK : 0));
  if (n > 0) {
    if ((flags & MP_MSG_PEEK) == 0) {
      stack_->count_link_bytes(static_cast<size_t>(n));
      trace_event("data-in", n);
    }
    return Result<size_t>(static_cast<size_t>(n));
  }
  if (n == 0) return std::nullopt;  // EOF: let the loop deliver it the usual way
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    if (would_block != nullptr) *would_block = errno != EINTR;
    return std::nullopt;
  }
  fail(firmware_errno_for_io(-errno));
  bool finished = false;
  return check_connected_for_recv(&finished);
}

// A blocking receive with nothing queued here: the next bytes are the kernel's, so the caller
// reads them itself, as the loop's next turn would (on_read) before the receive took the first
// segment. Where a segment is as large as a read (the desktop profile) the segment goes
// straight from the kernel into the caller's buffer (receive_directly), saving a copy too;
// where it is smaller (a camera's), the read is the loop's (read_as_the_loop), queued, so one
// read serves the receives of several segments. While the kernel has nothing and the loop
// serves this socket alone (Stack::loop_serves_only: no other handle, timer, request or
// background work), the caller sleeps on the socket itself (Stack::sleep_on_socket), not in
// the loop: a round trip then costs the receive's reads and one poll(2), and none of the
// loop's turns. The checks that decide the sleep are made once per sleep, not per read.
// Without a timeout the sleep is the kernel's recv itself (sleep_in_recv, below): one system
// call.
// Returns what was received straight or what ended the wait (its timeout, a signal), or
// nullopt for the caller to go on the usual way: something is queued, the state changed, the
// kernel holds an end of stream (the loop delivers it), or the loop has more to serve.
std::optional<Result<size_t>> TcpSocket::receive_alone(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len,
                                                       int flags, const Deadline& deadline) {
  for (;;) {
    // Read again after every sleep: another thread's turn of the loop may have queued bytes,
    // or a change of the link put it in the way.
    if (state_ != State::connected || !rx_.empty() || !reading_ || uses_link()) return std::nullopt;
    if (may_sleep_in_recv(deadline)) {
      bool look_again = false;
      std::optional<Result<size_t>> slept = sleep_in_recv(lock, buf, len, flags, &look_again);
      if (slept || !look_again) return slept;
      continue;
    }
    bool would_block = false;
    if (limits_->tcp_mss < kReadChunk) {
      if (read_as_the_loop(&would_block)) return std::nullopt;
    } else if (std::optional<Result<size_t>> taken = receive_directly(buf, len, flags, &would_block)) {
      // As arrive() would: a thread waiting on this stack looks again.
      stack_->notify_changed();
      return taken;
    }
    if (!would_block || !stack_->loop_serves_only(reinterpret_cast<const uv_handle_t*>(handle_))) return std::nullopt;
    switch (stack_->sleep_on_socket(lock, deadline, kernel_fd())) {
      case WaitOutcome::ready:
        break;
      case WaitOutcome::timed_out:
        return Result<size_t>(Error::os(MP_ETIMEDOUT));
      case WaitOutcome::interrupted:
        return Result<size_t>(Error::interrupted());
    }
  }
}

// The receive above with no timeout, on a socket the loop serves alone, sleeps as CPython's
// blocking recv does: in the kernel's recv, one system call, where a non-blocking socket costs
// a failed read, a poll(2) of three descriptors (the socket, the thread's wake-up and the
// signal descriptor) and a read (about 1.5 us more a round trip that sleeps, on this project's
// machine). The socket's file is made blocking for it (O_NONBLOCK belongs to the file, so no
// flag of one call can undo it) and stays so between calls (Stack::lend_file); the core's own
// reads and writes pass MSG_DONTWAIT, and the stack takes the file back before libuv, which
// needs it non-blocking, touches it. What a poll's other descriptors did, the sleep does
// otherwise:
// - notify_changed(): while the loop serves this socket alone, only another thread's call
//   changes anything. A turn of the loop takes the file back and stops the loop's reading, so
//   what arrives stays for the sleeper; a close ends the sleep (RecvSleeper::wake_and_wait).
// - a signal: the recv returns EINTR, as CPython's. One that lands after the last look and
//   before the recv begins is seen when the recv gives up, every kSignalLookMs, on the thread
//   whose signals the source reports (the main thread under Python).
constexpr int64_t kSignalLookMs = 100;

bool TcpSocket::may_sleep_in_recv(const Deadline& deadline) const {
  return deadline.is_never() && !stack_->recv_sleeper().asleep() &&
         (stack_->lent_file() == nullptr || stack_->lent_file() == this) &&
         stack_->loop_serves_only(reinterpret_cast<const uv_handle_t*>(handle_));
}

// Returns what the recv received, or an error; nullopt with *look_again when the caller looks
// again from the start (a signal that does not stop it, the stack took the file back, the
// look for signals), nullopt without it to go on the usual way (an end of stream, which the
// loop delivers, a camera's block queued, or the socket closed meanwhile).
std::optional<Result<size_t>> TcpSocket::sleep_in_recv(std::unique_lock<std::mutex>& lock,
                                                       uint8_t* buf, size_t len, int flags,
                                                       bool* look_again) {
  const int fd = kernel_fd();
  InterruptSource* interrupts = stack_->interrupt_source();
  if (!file_lent_) {
    if (!platform::set_blocking_file(fd, true)) return std::nullopt;
    file_lent_ = true;
    stack_->lend_file(this);
  }
  if (!signal_look_set_ && interrupts != nullptr && interrupts->wakeup_fd() >= 0) {
    platform::set_receive_timeout_ms(fd, kSignalLookMs);
    signal_look_set_ = true;
  }
  bool peek = (flags & MP_MSG_PEEK) != 0;
  uint8_t* into = buf;
  size_t want = std::min(len, limits_->tcp_mss);
  // Segments smaller than a read (a camera's): the read is the loop's (read_as_the_loop), a
  // block queued for the receives of its segments, this one's first.
  std::unique_ptr<uint8_t[]> block;
  if (limits_->tcp_mss < kReadChunk) {
    const size_t window = window_left();
    if (window == 0) return std::nullopt;
    block = stack_->buffers().take();
    into = block.get();
    want = std::min(kReadChunk, window);
    peek = false;  // the receive peeks at the queue
  }
  RecvSleeper& sleeper = stack_->recv_sleeper();
  sleeper.entering(this);
  lock.unlock();
  const ssize_t n = ::recv(fd, into, want, peek ? MSG_PEEK : 0);
  const int error = n < 0 ? errno : 0;
  sleeper.left();
  const bool stop = n < 0 && Stack::signal_stops(interrupts, error);
  lock.lock();
  sleeper.back();
  if (reading_lent_) {
    reading_lent_ = false;
    start_reading();
  }
  if (handle_ == nullptr) {
    // Closed meanwhile: what the recv took arrived too late, as for a receive that polled.
    if (block) stack_->buffers().give(std::move(block));
    return std::nullopt;
  }
  if (block && n > 0) {
    took_from_kernel(std::move(block), static_cast<size_t>(n));
    return std::nullopt;  // the receive takes its segment from the queue
  }
  if (block) stack_->buffers().give(std::move(block));
  if (n > 0) {
    if (!peek) {
      stack_->count_link_bytes(static_cast<size_t>(n));
      trace_event("data-in", n);
    }
    stack_->notify_changed();  // as arrive() would: a thread waiting on this stack looks again
    return Result<size_t>(static_cast<size_t>(n));
  }
  if (stop) return Result<size_t>(Error::interrupted());
  if (n == 0) return std::nullopt;
  if (error == EINTR || error == EAGAIN || error == EWOULDBLOCK) {
    *look_again = true;
    return std::nullopt;
  }
  fail(firmware_errno_for_io(-error));
  bool finished = false;
  return check_connected_for_recv(&finished);
}

void TcpSocket::give_file_back() {
  file_lent_ = false;
  const int fd = kernel_fd();
  if (fd >= 0) platform::set_blocking_file(fd, false);
  if (stack_->recv_sleeper().asleep_on(this) && reading_) {
    stop_reading();
    reading_lent_ = true;
  }
}

Result<size_t> TcpSocket::do_recv(uint8_t* buf, size_t len, int flags) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  bool finished = false;
  Result<size_t> checked = check_connected_for_recv(&finished);
  if (finished) return checked;
  return receive(lock, buf, len, flags);
}

Result<size_t> TcpSocket::do_recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  bool finished = false;
  Result<size_t> checked = check_connected_for_recv(&finished);
  if (finished) return checked;
  if (from != nullptr) *from = peer_;
  return receive(lock, buf, len, flags);
}

Result<size_t> TcpSocket::stream_recv_once(uint8_t* buf, size_t len) { return do_recv(buf, len, 0); }

// ---- Sending ----

// tcp_sndbuf: the send buffer less what is queued and not yet acknowledged.
size_t TcpSocket::send_room() const {
  return room_beside(unacked_in_kernel());
}

size_t TcpSocket::room_beside(size_t unacked) const {
  const size_t used = tx_queued_ + tx_link_bytes_ + before_connected_.size() + unacked;
  return limits_->tcp_snd_buf > used ? limits_->tcp_snd_buf - used : 0;
}

// The room, for a caller that will sleep while it is under `wanted`: if the kernel's
// unacknowledged bytes hold it, the ACK check watches them. One look decides both (see the
// invariant at send_some): had a second look armed the check, an ACK landing between the two
// would leave the caller asleep with nothing to tell it of the room.
size_t TcpSocket::room_or_watch(size_t wanted) {
  const size_t unacked = unacked_in_kernel();
  const size_t room = room_beside(unacked);
  if (room < wanted && unacked > 0) watch_acks();
  return room;
}

// The host socket under the handle, or -1 when there is none (yet, or any more).
int TcpSocket::kernel_fd() const {
  uv_os_fd_t fd;
  if (handle_ == nullptr || uv_fileno(reinterpret_cast<const uv_handle_t*>(handle_), &fd) != 0) return -1;
  return fd;
}

size_t TcpSocket::unacked_in_kernel(Stack::UnackedLook look) const {
  const int fd = counts_kernel_unacked_ ? kernel_fd() : -1;
  if (fd < 0) return 0;
  return stack_->unacked_seen(look, platform::unacknowledged_bytes(fd));
}

// The connection's pending error in the kernel (a reset from the peer), 0 when none.
int TcpSocket::kernel_error() const {
  const int fd = kernel_fd();
  if (fd < 0) return 0;
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return 0;
  return error;
}

// ACKs make room without any event libuv would report, so a caller whose look found the
// kernel holding unacknowledged bytes has the check look again every few milliseconds until
// the kernel has none left, and wake the waiters each time. The caller's look is the one that
// counts: this one does not look again.
void TcpSocket::watch_acks() {
  if (!counts_kernel_unacked_ || handle_ == nullptr) return;
  if (ack_timer_ == nullptr) {
    ack_timer_ = new uv_timer_t;
    uv_timer_init(stack_->loop(), ack_timer_);
    ack_timer_->data = this;
  }
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(ack_timer_))) return;
  // A closing socket has no caller waiting on it: it looks less often, and the network thread
  // (which its close keeps running) is the one to run the check.
  const uint64_t every = lingering_ ? kClosingAckCheckMs : kAckCheckMs;
  uv_update_time(stack_->loop());
  uv_timer_start(ack_timer_, on_ack_check, every, every);
  if (lingering_) stack_->wake_network_thread();
}

void TcpSocket::on_ack_check(uv_timer_t* timer) {
  auto* socket = static_cast<TcpSocket*>(timer->data);
  if (socket->lingering_ && socket->kernel_error() != 0) {
    // _lwip_tcp_error: the peer's reset frees the pcb; the close is over. The kernel keeps
    // the unacknowledged count of a reset connection, so that count alone would wait for
    // the close timeout.
    uv_timer_stop(timer);
    socket->close_handle(false);
    return;
  }
  if (socket->unacked_in_kernel(Stack::UnackedLook::ack_check) == 0) {
    uv_timer_stop(timer);
    if (socket->lingering_ && socket->shutdown_done_) {
      socket->close_handle(false);  // everything acknowledged: the close completed
      return;
    }
  }
  socket->stack_->notify_changed();
}

// lwip_tcp_send: queue min(len, free send buffer) bytes; when there is no room, wait for some.
//
// The invariant of a wait for send-buffer room (here, and poll's POLLOUT and a lingering
// close): the caller sleeps only while every byte that holds the room will wake it as it goes.
// Bytes queued for the kernel wake it from on_write; bytes crossing a shaped link from
// advance_link, when their ACK is back; the kernel's unacknowledged bytes go with no event at
// all, so the look that finds them holding the room arms the ACK check (room_or_watch), which
// wakes the waiters once it sees them acknowledged. So a blocked sender wakes within one ACK
// check (kAckCheckMs) of the room it waits for; a wait that runs out is ETIMEDOUT with nothing
// queued; and since only the bytes queued are counted as sent, a sendall (which loops on this)
// never returns early, never sends a byte twice and never drops one.
//
// From v1.25 a socket still connecting has no room until it is connected; before, lwIP's
// tcp_write takes data on a pcb in SYN_SENT and sends it after the handshake.
Result<size_t> TcpSocket::send_some(std::unique_lock<std::mutex>& lock, const uint8_t* data, size_t len) {
  const bool waits_for_connection = send_waits_for_connection(limits_->micropython);
  const auto takes_data = [&] {
    return state_ == State::connected || state_ == State::peer_closed ||
           (state_ == State::connecting && !waits_for_connection);
  };
  size_t available = (state_ == State::connecting && waits_for_connection) ? 0 : send_room();
  if (available == 0) {
    const int64_t timeout = send_timeout_ms_;
    if (timeout == 0) return Error::os(MP_EAGAIN);
    // With a camera-sized buffer the room is the kernel's unacknowledged bytes going: the
    // sender looks for them again on its own, sooner than the ACK check's millisecond.
    const auto ready = [&] {
      if (state_ == State::connecting && waits_for_connection) return false;
      if (!takes_data()) return true;
      // What holds the room changes as the caller waits (the link queue drains into the
      // kernel, which then waits for ACKs): each look arms the ACK check when it must. The
      // look that ends the wait is the room the send takes, never a later one that could see
      // less, which would make it a send of nothing and end a blocking write early.
      available = room_or_watch(kMinSendRoom);
      return available >= kMinSendRoom;
    };
    const Deadline deadline = Deadline::from_timeout_ms(timeout);
    const WaitOutcome outcome = counts_kernel_unacked_ ? stack_->wait_for_acks(lock, deadline, ready)
                                                       : stack_->wait(lock, deadline, ready);
    if (outcome == WaitOutcome::interrupted) return Error::interrupted();
    if (outcome == WaitOutcome::timed_out) return Error::os(MP_ETIMEDOUT);
    // While we waited, something could happen.
    if (closed_ || state_ == State::dead) return Error::os(MP_EBADF);
    if (state_ == State::failed) return Error::os(failure_);
  }
  // tcp_write refuses a pcb that is not connected (ERR_CONN).
  if (!takes_data()) return Error::os(MP_ENOTCONN);
  const size_t n = std::min(available, len);
  if (state_ == State::connecting) {
    before_connected_.insert(before_connected_.end(), data, data + n);
    if (!early_work_ && n > 0) {
      // lwIP finishes the handshake and sends this whether or not the script calls in again.
      early_work_ = true;
      stack_->add_background_work();
    }
  } else if (uses_link()) {
    send_over_link(data, n);
  } else {
    write_to_host(data, n);
  }
  return n;
}

// uv_try_write: what the kernel takes now of bytes nothing in libuv's queue is ahead of, or
// a libuv error (UV_EAGAIN when it takes none). Its checks, then its write as send(2), which
// skips the file layer write(2) goes through: the same bytes, the socket's own entry point.
ssize_t TcpSocket::try_write_host(const uint8_t* data, size_t len) {
  auto* stream = reinterpret_cast<uv_stream_t*>(handle_);
  if (stream == nullptr) return UV_EBADF;
  if (uv_stream_get_write_queue_size(stream) != 0) return UV_EAGAIN;
  if (!uv_is_writable(stream)) return UV_EPIPE;
  const int fd = kernel_fd();
  if (fd < 0) return UV_EBADF;
  return platform::send_stream(fd, data, len);
}

void TcpSocket::write_to_host(const uint8_t* data, size_t len) {
  if (len == 0) return;
  if (handle_ == nullptr) {
    // The peer's side is gone (an injected close): it answers the data with a reset.
    fail(MP_ECONNRESET);
    return;
  }
  match_host_nagle();
  stack_->count_link_bytes(len);
  trace_event("data-out", static_cast<int64_t>(len));
  auto* stream = reinterpret_cast<uv_stream_t*>(handle_);
  if (tx_queued_ == 0) {
    const ssize_t written = try_write_host(data, len);
    if (written > 0) {
      data += written;
      len -= static_cast<size_t>(written);
    } else if (written != UV_EAGAIN) {
      // The data counts as queued, as lwIP's tcp_write would have taken it; the error shows
      // at the script's next call.
      fail(firmware_errno_for_io(static_cast<int>(written)));
      return;
    }
    if (len == 0) return;
  }
  if (file_lent_) stack_->take_back_file();  // libuv writes at once, and must not block
  auto* request = new WriteRequest;
  request->pooled = len <= BufferPool::kBlockSize;
  request->data = request->pooled ? stack_->buffers().take() : std::unique_ptr<uint8_t[]>(new uint8_t[len]);
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
  if (write->pooled) socket->stack_->buffers().give(std::move(write->data));
  delete write;
  if (socket->tx_queued_ == 0) socket->stack_->remove_background_work();
  if (status < 0 && status != UV_ECANCELED && socket->state_ != State::failed && socket->state_ != State::dead) {
    socket->fail(firmware_errno_for_io(status));
    return;
  }
  socket->stack_->notify_changed();
}

Result<size_t> TcpSocket::do_send(const uint8_t* data, size_t len) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  Status connected = check_connected_for_send();
  if (!connected) return connected.error();
  return send_some(lock, data, len);
}

Result<size_t> TcpSocket::do_sendto(const uint8_t* data, size_t len, const Endpoint& to) {
  (void)to;  // modlwip sends on the connection and ignores the address
  return do_send(data, len);
}

Status TcpSocket::do_sendall(const uint8_t* data, size_t len) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  Status connected = check_connected_for_send();
  if (!connected) return connected;
  // A non-blocking sendall that cannot queue everything at once sends nothing.
  if (send_timeout_ms_ == 0 && len > send_room()) return Error::os(MP_EAGAIN);
  if (send_timeout_ms_ < 0) {
    Result<size_t> sent = send_directly(lock, data, len);
    if (!sent) return sent.error();
    data += *sent;
    len -= *sent;
  }
  // The timeout applies to each chunk, as in modlwip.
  while (len > 0) {
    Result<size_t> sent = send_some(lock, data, len);
    if (!sent) return sent.error();
    data += *sent;
    len -= *sent;
  }
  return {};
}

// A blocking sendall with nothing queued for the kernel: hand the caller's bytes to the kernel
// as it takes them, waiting for room in between, rather than copying what it does not take at
// once and having the network thread write the copy. The call returns when the kernel has them
// all, where lwIP returns when its send buffer has them: only the time it returns differs.
// Returns how much was sent; the caller carries on the usual way with the rest (a change of
// state, a shaped link, an error). Not for a camera-sized send buffer, whose room the kernel's
// unacknowledged bytes decide.
Result<size_t> TcpSocket::send_directly(std::unique_lock<std::mutex>& lock, const uint8_t* data, size_t len) {
  const int fd = counts_kernel_unacked_ ? -1 : kernel_fd();
  // Nothing to write (sendall(b"")): a write of no bytes would read as a failed one.
  if (fd < 0 || len == 0) return size_t{0};
  match_host_nagle();
  size_t done = 0;
  const auto ready = [&] {
    const bool open = state_ == State::connected || state_ == State::peer_closed;
    if (!open || closed_ || handle_ == nullptr || tx_queued_ > 0 || uses_link()) return true;
    const ssize_t written = try_write_host(data + done, len - done);
    if (written > 0) {
      stack_->count_link_bytes(static_cast<size_t>(written));
      trace_event("data-out", written);
      done += static_cast<size_t>(written);
    } else if (written != UV_EAGAIN) {
      fail(firmware_errno_for_io(static_cast<int>(written)));
      return true;
    }
    return done == len;
  };
  if (stack_->wait_writing_directly(lock, Deadline::never(), ready, fd) == WaitOutcome::interrupted) {
    return Error::interrupted();
  }
  return done;
}

// lwip_socket_write goes straight to lwip_tcp_send: a pending error is raised every time.
Result<size_t> TcpSocket::stream_send_once(const uint8_t* data, size_t len) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  if (closed_ || state_ == State::dead) return Error::os(MP_EBADF);
  if (state_ == State::failed) return Error::os(failure_);
  return send_some(lock, data, len);
}

// ---- The link ----

bool TcpSocket::uses_link() const {
  const Link& link = stack_->link();
  return link.shaped() || !link.up() || !tx_link_.empty() || !rx_link_.empty() || connect_pending_;
}

void TcpSocket::send_over_link(const uint8_t* data, size_t len) {
  Link& link = stack_->link();
  const size_t mss = limits_->tcp_mss;
  for (size_t offset = 0; offset < len; offset += mss) {
    OutgoingSegment segment;
    segment.size = std::min(mss, len - offset);
    segment.data.reset(new uint8_t[segment.size]);
    std::memcpy(segment.data.get(), data + offset, segment.size);
    const Link::Crossing crossing = link.cross(Link::Direction::out, segment.size, true, last_arrival_out_);
    last_arrival_out_ = crossing.arrives;
    segment.arrives = crossing.arrives;
    segment.acked = crossing.arrives + link.one_way();
    tx_link_bytes_ += segment.size;
    tx_link_.push_back(std::move(segment));
  }
  schedule_link_timer();
}

void TcpSocket::receive_over_link(IncomingPiece::Kind kind, RxChunk chunk) {
  Link& link = stack_->link();
  if (kind != IncomingPiece::Kind::data) {
    IncomingPiece marker;
    marker.kind = kind;
    marker.arrives = std::max(Clock::now() + link.one_way(), last_arrival_in_);
    last_arrival_in_ = marker.arrives;
    rx_link_.push_back(std::move(marker));
    schedule_link_timer();
    return;
  }
  // Segment by segment, so bandwidth and loss act per MSS as they would on the air.
  const size_t mss = limits_->tcp_mss;
  for (size_t offset = 0; offset < chunk.size; offset += mss) {
    IncomingPiece piece;
    piece.chunk.size = std::min(mss, chunk.size - offset);
    piece.chunk.data.reset(new uint8_t[piece.chunk.size]);
    std::memcpy(piece.chunk.data.get(), chunk.data.get() + offset, piece.chunk.size);
    const Link::Crossing crossing = link.cross(Link::Direction::in, piece.chunk.size, true, last_arrival_in_);
    last_arrival_in_ = crossing.arrives;
    piece.arrives = crossing.arrives;
    rx_link_bytes_ += piece.chunk.size;
    rx_link_.push_back(std::move(piece));
  }
  if (chunk.pooled) stack_->buffers().give(std::move(chunk.data));
  schedule_link_timer();
}

// Moves along whatever has crossed the link by now.
void TcpSocket::advance_link() {
  if (!stack_->link().up()) {
    schedule_link_timer();  // parks: nothing crosses a link that is down
    return;
  }
  const Clock::time_point now = Clock::now();
  if (connect_pending_ && connect_completes_ <= now) {
    connect_pending_ = false;
    if (connect_error_ != 0) {
      fail(connect_error_);
      return;
    }
    became_connected();
  }
  for (size_t i = 0; i < tx_link_.size(); ++i) {
    OutgoingSegment& segment = tx_link_[i];
    if (segment.delivered) continue;
    if (segment.arrives > now) break;
    segment.delivered = true;
    write_to_host(segment.data.get(), segment.size);
    if (handle_ == nullptr) break;  // the write failed the connection
  }
  bool acked = false;
  while (!tx_link_.empty() && tx_link_.front().delivered && tx_link_.front().acked <= now) {
    tx_link_bytes_ -= tx_link_.front().size;
    tx_link_.pop_front();
    acked = true;
  }
  if (acked) stack_->notify_changed();
  while (!rx_link_.empty() && rx_link_.front().arrives <= now && state_ != State::failed) {
    IncomingPiece piece = std::move(rx_link_.front());
    rx_link_.pop_front();
    arrive(piece);
  }
  if (lingering_ && !shutdown_sent_ && tx_link_bytes_ == 0 && handle_ != nullptr) {
    // A close waited for the link to drain; now FIN, after what the kernel still has to send.
    shutdown_sent_ = true;
    auto* request = new uv_shutdown_t;
    if (uv_shutdown(request, reinterpret_cast<uv_stream_t*>(handle_), on_shutdown) != 0) {
      delete request;
      close_handle(true);
      return;
    }
  }
  schedule_link_timer();
}

void TcpSocket::schedule_link_timer() {
  const bool has_work = connect_pending_ || !tx_link_.empty() || !rx_link_.empty();
  if (!has_work || !stack_->link().up() || handle_ == nullptr) {
    if (link_timer_ != nullptr) uv_timer_stop(link_timer_);
    if (link_work_) {
      link_work_ = false;
      stack_->remove_background_work();
    }
    return;
  }
  Clock::time_point next = Clock::time_point::max();
  if (connect_pending_) next = std::min(next, connect_completes_);
  for (const OutgoingSegment& segment : tx_link_) {
    if (!segment.delivered) {
      next = std::min(next, segment.arrives);
      break;
    }
  }
  if (!tx_link_.empty() && tx_link_.front().delivered) next = std::min(next, tx_link_.front().acked);
  if (!rx_link_.empty()) next = std::min(next, rx_link_.front().arrives);
  if (link_timer_ == nullptr) {
    link_timer_ = new uv_timer_t;
    uv_timer_init(stack_->loop(), link_timer_);
    link_timer_->data = this;
  }
  uv_update_time(stack_->loop());
  const uint64_t due_in = milliseconds_until(next);
  const bool sooner = !uv_is_active(reinterpret_cast<uv_handle_t*>(link_timer_)) ||
                      due_in < uv_timer_get_due_in(link_timer_);
  uv_timer_start(link_timer_, on_link_timer, due_in, 0);
  if (!link_work_) {
    link_work_ = true;
    stack_->add_background_work();
  } else if (sooner) {
    // The network thread may be asleep until the time the timer had before.
    stack_->wake_network_thread();
  }
  stack_->timer_started();
}

void TcpSocket::on_link_timer(uv_timer_t* timer) { static_cast<TcpSocket*>(timer->data)->advance_link(); }

void TcpSocket::link_changed_locked() {
  if (state_ == State::listening && stack_->link().up()) take_waiting_connection();
  if (!stack_->link().dead()) retransmit_what_a_dead_link_lost();
  if (connect_pending_ || !tx_link_.empty() || !rx_link_.empty()) advance_link();
}

// What went into a link with 100% loss never arrives; once the link carries again, the
// retransmissions cross it as any segment does now, in order.
void TcpSocket::retransmit_what_a_dead_link_lost() {
  Link& link = stack_->link();
  if (connect_pending_ && Link::is_never(connect_completes_)) {
    const Link::Crossing syn = link.cross(Link::Direction::out, 0, true, Clock::time_point{});
    const Link::Crossing answer = link.cross(Link::Direction::in, 0, true, Clock::time_point{});
    connect_completes_ = syn.arrives + (answer.arrives - Clock::now());
  }
  Clock::time_point previous{};
  for (OutgoingSegment& segment : tx_link_) {
    if (!segment.delivered && Link::is_never(segment.arrives)) {
      segment.arrives = link.cross(Link::Direction::out, segment.size, true, previous).arrives;
      segment.acked = segment.arrives + link.one_way();
      last_arrival_out_ = segment.arrives;
    }
    previous = segment.arrives;
  }
  previous = Clock::time_point{};
  for (IncomingPiece& piece : rx_link_) {
    if (Link::is_never(piece.arrives)) {
      const size_t size = piece.kind == IncomingPiece::Kind::data ? piece.chunk.size : 0;
      piece.arrives = link.cross(Link::Direction::in, size, true, previous).arrives;
      last_arrival_in_ = piece.arrives;
    }
    previous = piece.arrives;
  }
}

void TcpSocket::inject_reset_locked() {
  if (closed_) return;
  if (state_ != State::connecting && state_ != State::connected && state_ != State::peer_closed) return;
  close_handle(true);  // the peer sees the reset too
  fail(MP_ECONNRESET);
}

void TcpSocket::inject_peer_close_locked() {
  if (closed_ || state_ != State::connected) return;
  trace_event("peer-closed");
  state_ = State::peer_closed;
  stop_reading();
  rx_link_.clear();
  rx_link_bytes_ = 0;
  close_handle(false);
  fire_event_locked();
  stack_->notify_changed();
}

// ---- Options, poll, printing ----

Result<OptionOutcome> TcpSocket::set_option_locked(int option, const OptionValue& value) {
  switch (option) {
    case MP_SO_REUSEADDR:
      reuse_address_ = std::get<int64_t>(value) != 0;
      apply_options();
      return OptionOutcome::applied;
    case MP_TCP_NODELAY:
      // lwIP's pcb flag; where the kernel's Nagle stands in for lwIP's, it is turned off too.
      no_delay_ = std::get<int64_t>(value) != 0;
      match_host_nagle();
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

// modlwip lwip_socket_ioctl(MP_STREAM_POLL), with the reset states of docs/firmware-behaviour.md
// §8.
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
    // tcp_sndbuf of a live pcb; from v1.25 a connecting socket is not writable. A poll that
    // waits for POLLOUT waits for room as a send does (see send_some).
    const bool has_pcb = state_ == State::fresh || state_ == State::connected || state_ == State::peer_closed ||
                         (state_ == State::connecting && !send_waits_for_connection(limits_->micropython));
    if (has_pcb && room_or_watch(1) > 0) ready |= MP_POLLOUT;
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

// Asked of every socket by each connect, and each datagram sent, to loopback under a camera
// profile (Stack::self_route_locked).
bool TcpSocket::receives_at_locked(int type, const Endpoint& destination) {
  if (type != MP_SOCK_STREAM || state_ != State::listening || handle_ == nullptr) return false;
  if (!listening_at_) {
    listening_at_ = kernel_local_endpoint();
    if (!listening_at_) return false;
  }
  const Endpoint& local = *listening_at_;
  return local.port == destination.port && (local.ip.is_any() || local.ip == destination.ip);
}

Result<Endpoint> TcpSocket::local_endpoint() {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (handle_ == nullptr) {
    if (closed_) return Error::os(MP_EBADF);
    return Endpoint{IpAddress::any(family_ == MP_AF_INET6 && limits_->ipv6 ? MP_AF_INET6 : MP_AF_INET), 0};
  }
  const std::optional<Endpoint> local = kernel_local_endpoint();
  if (!local) return Error::os(MP_EINVAL);
  return *local;
}

std::optional<Endpoint> TcpSocket::kernel_local_endpoint() const {
  sockaddr_storage name{};
  int length = sizeof(name);
  if (uv_tcp_getsockname(handle_, reinterpret_cast<sockaddr*>(&name), &length) != 0)
    return std::nullopt;
  return from_host_address(reinterpret_cast<sockaddr*>(&name));
}

Result<Endpoint> TcpSocket::peer_endpoint() {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_ || state_ == State::dead) return Error::os(MP_EBADF);
  if (state_ != State::connected && state_ != State::peer_closed) return Error::os(MP_ENOTCONN);
  return peer_;
}

}  // namespace mpsock
