#include "udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "buffer_pool.h"
#include "host_socket.h"
#include "platform.h"

namespace mpsock {

namespace {

// IPv4 and UDP headers, which the datagram's pbuf must hold too.
constexpr size_t kHeaders = 28;

// uv__udp_recvmsg reads at most this many datagrams from a socket per turn of the loop, so a
// flood cannot starve the loop. A turn done without the loop (receive_turn) stops at the same
// count, to leave the kernel holding what the loop would have left it.
constexpr int kDatagramsPerTurn = 32;

}  // namespace

std::shared_ptr<UdpSocket> UdpSocket::create(std::shared_ptr<Stack> stack, int af,
                                             std::shared_ptr<const Profile> limits) {
  std::shared_ptr<UdpSocket> socket(new UdpSocket(std::move(stack), af, std::move(limits)));
  socket->stack_->register_socket(socket);
  return socket;
}

UdpSocket::UdpSocket(std::shared_ptr<Stack> stack, int af, std::shared_ptr<const Profile> limits)
    : Socket(std::move(stack), af, MP_SOCK_DGRAM) {
  limits_ = std::move(limits);
}

UdpSocket::~UdpSocket() {
  if (pcb_held_) stack_->release_pcb(PcbKind::udp);
}

// The kernel socket is made when the family is known: at bind, connect, the first send or a
// membership change. Until then nothing can arrive anyway.
Status UdpSocket::open_handle(int family) {
  if (handle_ != nullptr) return {};
  const IpAddress kind = IpAddress::any(family);
  const int fd = open_host_socket(kind, SOCK_DGRAM);
  if (fd < 0) return Error::os(MP_ENOMEM);
  const int reuse = reuse_address_ ? 1 : 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
  const int broadcast = broadcast_ ? 1 : 0;
  setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &broadcast, sizeof(broadcast));
  if (family == MP_AF_INET) {
    // The emulated LAN is loopback: multicast goes out there and comes back to us too.
    in_addr loopback{};
    loopback.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &loopback, sizeof(loopback));
    const unsigned char on = 1;
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &on, sizeof(on));
  }
  auto* handle = new uv_udp_t;
  uv_udp_init(stack_->loop(), handle);
  handle->data = this;
  if (uv_udp_open(handle, fd) != 0) {
    ::close(fd);
    uv_close(reinterpret_cast<uv_handle_t*>(handle),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_udp_t*>(h); });
    return Error::os(MP_ENOMEM);
  }
  // uv_udp_open turns SO_REUSEADDR on; put back what the script asked for.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
  handle_ = handle;
  handle_family_ = family;
  self_ = std::static_pointer_cast<UdpSocket>(shared_from_this());
  // A UDP socket receives from creation (modlwip installs its callback at once).
  uv_udp_recv_start(handle_, on_alloc, on_receive);
  receiving_from_turn_ = stack_->turns();
  return {};
}

void UdpSocket::close_handle() {
  outgoing_.clear();
  incoming_.clear();
  if (link_timer_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(link_timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    link_timer_ = nullptr;
  }
  if (link_work_) {
    link_work_ = false;
    stack_->remove_background_work();
  }
  if (handle_ == nullptr) return;
  uv_udp_recv_stop(handle_);
  uv_close(reinterpret_cast<uv_handle_t*>(handle_), on_close);
  handle_ = nullptr;
  local_.reset();
}

void UdpSocket::on_close(uv_handle_t* handle) {
  auto* socket = static_cast<UdpSocket*>(handle->data);
  delete reinterpret_cast<uv_udp_t*>(handle);
  std::shared_ptr<UdpSocket> keep = std::move(socket->self_);  // may destroy the socket
}

void UdpSocket::close_locked() {
  queue_.clear();
  incoming_.clear();
  if (!outgoing_.empty() && handle_ != nullptr) {
    // Datagrams already sent are on their way; they still arrive after the close.
    uv_udp_recv_stop(handle_);
    draining_ = true;
  } else {
    close_handle();
  }
  if (pcb_held_) {
    pcb_held_ = false;
    stack_->release_pcb(PcbKind::udp);
  }
}

Status UdpSocket::do_bind(const Endpoint& local) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_) return Error::os(MP_EBADF);
  if (bound_) return Error::os(MP_EINVAL);
  Status opened = open_handle(local.ip.family);
  if (!opened) return opened;
  Status bound = bind_host(local);
  if (bound) bound_ = true;
  return bound;
}

int UdpSocket::kernel_fd() const {
  uv_os_fd_t fd;
  if (handle_ == nullptr || uv_fileno(reinterpret_cast<const uv_handle_t*>(handle_), &fd) != 0) return -1;
  return fd;
}

// Binds the kernel socket where `local` maps to on the host (Stack::host_bind).
Status UdpSocket::bind_host(const Endpoint& local) {
  local_.reset();
  const int fd = kernel_fd();
  // Unlike a TCP server, a UDP socket on the wildcard or a multicast group keeps that
  // address: broadcast and multicast only reach sockets bound to it. Unless exposed, it is tied
  // to the loopback device, so nothing from another interface reaches it; where the kernel
  // will not tie it, it gives up the address for loopback's rather than hear every interface.
  const Stack::HostBind target = stack_->host_bind(local.ip, true);
  HostAddress host = to_host_address(target.ip, local.port);
  if (target.loopback_device) {
    if (!platform::bind_to_loopback_interface(fd)) {
      host = to_host_address(IpAddress::loopback_like(local.ip), local.port);
    }
  }
  int r = ::bind(fd, host.get(), host.length);
  if (r != 0 && errno == EADDRNOTAVAIL) {
    // Exposed, an address that is not the host's is the camera's own: it lives on loopback.
    host = to_host_address(IpAddress::loopback_like(local.ip), local.port);
    r = ::bind(fd, host.get(), host.length);
  }
  if (r != 0) return Error::os(firmware_errno_for_bind(-errno));
  return {};
}

Status UdpSocket::do_connect(const Endpoint& remote) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_) return Error::os(MP_EBADF);
  Status opened = open_handle(remote.ip.family);
  if (!opened) return opened;
  // udp_connect only records the default peer; the kernel also filters what arrives, as lwIP
  // does for a connected pcb.
  local_.reset();  // a connect binds a socket with no port, and picks its source address
  const HostAddress host = to_host_address(stack_->host_destination(remote.ip), remote.port);
  // A second connect changes the peer in place, as udp_connect does: libuv's connect refuses
  // a connected handle, and a disconnect first would give up a port the script did not bind.
  const int r = connected_ ? platform::reconnect_datagram(kernel_fd(), host.get(), host.length)
                           : uv_udp_connect(handle_, host.get());
  if (r != 0) return Error::os(firmware_errno_for_connect(r));
  connected_ = true;
  peer_ = remote;
  return {};
}

// lwip_raw_udp_send.
Result<size_t> UdpSocket::send_datagram(const uint8_t* data, size_t len, const Endpoint* to) {
  if (closed_) return Error::os(MP_EBADF);
  if (len > kMaxUdpPayload) len = kMaxUdpPayload;
  // pbuf_alloc(PBUF_RAM) takes the datagram from the lwIP heap.
  if (len + kHeaders > limits_->mem_size) return Error::os(MP_ENOMEM);
  // No route while the interface is down (ERR_RTE).
  if (!stack_->link().up()) return Error::os(MP_EHOSTUNREACH);
  if (to == nullptr && !connected_) {
    // udp_send on an unconnected pcb sends to 0.0.0.0:0, which goes nowhere.
    return len;
  }
  const Endpoint& destination = to != nullptr ? *to : peer_;
  if (destination.ip.is_limited_broadcast() && !broadcast_) {
    return Error::os(MP_EINVAL);  // lwIP's IP_SOF_BROADCAST filter: ERR_VAL
  }
  if (!limits_->loopback) {
    switch (stack_->self_route_locked(destination, MP_SOCK_DGRAM)) {
      case Stack::SelfRoute::loopback:
        return Error::os(MP_EHOSTUNREACH);  // no loopback interface: ip_route fails (ERR_RTE)
      case Stack::SelfRoute::own_address:
        trace_event("datagram-lost", static_cast<int64_t>(len));
        return len;  // out on the link to the camera's own address: nothing brings it back
      case Stack::SelfRoute::none:
        break;
    }
  }
  Status opened = open_handle(destination.ip.family);
  if (!opened) return opened.error();
  if (!bound_ && !connected_ && !bound_implicitly_) {
    // udp_sendto binds an unbound pcb to the wildcard and a free port; the kernel's sendto
    // would too, on every interface of the host. For a destination on loopback, bind as the
    // script's own bind to the wildcard would be (tied to loopback unless exposed), so the
    // replies come back and nothing from another interface does. A destination off this host
    // keeps the kernel's choice: its replies come in by the interface the route leaves by.
    bound_implicitly_ = true;
    const IpAddress to_host = stack_->host_destination(destination.ip);
    if (to_host.is_loopback() || to_host.is_multicast()) {
      Status bound = bind_host(Endpoint{IpAddress::any(handle_family_), 0});
      if (!bound) return bound.error();  // as udp_sendto returns udp_bind's error
    }
  }
  stack_->count_link_bytes(len);
  Link& link = stack_->link();
  if (!link.shaped()) {
    transmit(data, len, to);
    return len;
  }
  const Link::Crossing crossing = link.cross(Link::Direction::out, len, false, Clock::time_point{});
  if (crossing.lost) {
    trace_event("datagram-lost", static_cast<int64_t>(len));
    return len;
  }
  Crossing out;
  out.datagram.data.assign(data, data + len);
  if (to != nullptr) out.to = *to;
  out.arrives = crossing.arrives;
  outgoing_.push_back(std::move(out));
  schedule_link_timer();
  return len;
}

// Hands a datagram to the kernel. Failures after the datagram left the firmware's hands are
// silent, as for any datagram lost on the way.
void UdpSocket::transmit(const uint8_t* data, size_t len, const Endpoint* to) {
  if (handle_ == nullptr) return;
  const Endpoint& destination = to != nullptr ? *to : peer_;
  const HostAddress host =
      to_host_address(stack_->host_destination(destination.ip), destination.port);
  // Straight to the kernel, as uv_udp_try_send would (the core never queues datagrams in
  // libuv), with sendto's cost rather than sendmsg's. A connected socket sends elsewhere as
  // lwIP's pcb does, addressed: Linux's sendto(2) takes the address on a connected UDP socket
  // (libuv's own send refuses it). Stepping out of the connection instead would lose the port
  // the kernel picked for it, and with it the peer's replies.
  const int fd = kernel_fd();
  const bool addressed = to != nullptr && !(connected_ && *to == peer_);
  const ssize_t r = fd < 0 ? -EBADF
                           : platform::send_datagram(fd, data, len,
                                                     addressed ? host.get() : nullptr, host.length);
  if (r < 0) trace_event("datagram-lost", static_cast<int64_t>(len));
  trace_event("datagram-out", static_cast<int64_t>(len));
}

Result<size_t> UdpSocket::do_send(const uint8_t* data, size_t len) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  return send_datagram(data, len, nullptr);
}

Result<size_t> UdpSocket::do_sendto(const uint8_t* data, size_t len, const Endpoint& to) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  return send_datagram(data, len, &to);
}

Status UdpSocket::do_sendall(const uint8_t* data, size_t len) {
  (void)data;
  (void)len;
  {
    std::lock_guard<std::mutex> guard(stack_->mutex());
    if (closed_) return Error::os(MP_EBADF);
  }
  return Error::not_implemented();
}

Result<size_t> UdpSocket::stream_send_once(const uint8_t* data, size_t len) { return do_send(data, len); }

void UdpSocket::on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  (void)suggested;
  auto* socket = static_cast<UdpSocket*>(handle->data);
  // on_receive gets the block back in `buf` whatever happens, and returns it to the pool.
  buf->base = reinterpret_cast<char*>(socket->stack_->buffers().take().release());
  buf->len = BufferPool::kBlockSize;
}

// udp_raw_incoming: a full queue drops the datagram ("no room in the inn").
void UdpSocket::on_receive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                           const sockaddr* from, unsigned flags) {
  (void)flags;
  auto* socket = static_cast<UdpSocket*>(handle->data);
  std::unique_ptr<uint8_t[]> block(reinterpret_cast<uint8_t*>(buf->base));
  // ICMP errors do not reach a lwIP UDP pcb.
  if (nread >= 0 && from != nullptr) socket->arrive(block.get(), static_cast<size_t>(nread), from);
  socket->stack_->buffers().give(std::move(block));
}

// A datagram the kernel received: it crosses the link to the pcb, unless the link is down.
void UdpSocket::arrive(const uint8_t* data, size_t size, const sockaddr* from) {
  Link& link = stack_->link();
  if (!link.up()) {
    trace_event("datagram-lost", static_cast<int64_t>(size));
    return;  // the air does not keep datagrams while the camera is off the network
  }
  Datagram datagram;
  datagram.data.assign(data, data + size);
  datagram.from = from_host_address(from);
  stack_->count_link_bytes(size);
  if (!link.shaped()) {
    deliver(std::move(datagram));
    return;
  }
  const Link::Crossing crossing = link.cross(Link::Direction::in, size, false, Clock::time_point{});
  if (crossing.lost) {
    trace_event("datagram-lost", static_cast<int64_t>(size));
    return;
  }
  Crossing in;
  in.datagram = std::move(datagram);
  in.arrives = crossing.arrives;
  incoming_.push_back(std::move(in));
  schedule_link_timer();
}

// udp_raw_incoming: the datagram reaches the pcb's queue, or is dropped when it is full.
void UdpSocket::deliver(Datagram datagram) {
  if (queue_.size() >= limits_->udp_queue) {
    trace_event("datagram-dropped", static_cast<int64_t>(datagram.data.size()));
    return;
  }
  trace_event("datagram-in", static_cast<int64_t>(datagram.data.size()));
  queue_.push_back(std::move(datagram));
  fire_event_locked();
  stack_->notify_changed();
}

void UdpSocket::advance_link() {
  const Clock::time_point now = Clock::now();
  // With jitter datagrams may pass each other, as they do on a real network.
  for (auto it = outgoing_.begin(); it != outgoing_.end();) {
    if (it->arrives <= now) {
      transmit(it->datagram.data.data(), it->datagram.data.size(), it->to ? &*it->to : nullptr);
      it = outgoing_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = incoming_.begin(); it != incoming_.end();) {
    if (it->arrives <= now) {
      Datagram datagram = std::move(it->datagram);
      it = incoming_.erase(it);
      deliver(std::move(datagram));
    } else {
      ++it;
    }
  }
  if (draining_ && outgoing_.empty()) {
    close_handle();
    return;
  }
  schedule_link_timer();
}

void UdpSocket::schedule_link_timer() {
  if ((outgoing_.empty() && incoming_.empty()) || handle_ == nullptr) {
    if (link_timer_ != nullptr) uv_timer_stop(link_timer_);
    if (link_work_) {
      link_work_ = false;
      stack_->remove_background_work();
    }
    return;
  }
  Clock::time_point next = Clock::time_point::max();
  for (const Crossing& crossing : outgoing_) next = std::min(next, crossing.arrives);
  for (const Crossing& crossing : incoming_) next = std::min(next, crossing.arrives);
  if (link_timer_ == nullptr) {
    link_timer_ = new uv_timer_t;
    uv_timer_init(stack_->loop(), link_timer_);
    link_timer_->data = this;
  }
  const auto left = next - Clock::now();
  const uint64_t ms = left <= Clock::duration::zero()
                          ? 0
                          : static_cast<uint64_t>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
  uv_update_time(stack_->loop());
  const bool sooner = !uv_is_active(reinterpret_cast<uv_handle_t*>(link_timer_)) ||
                      ms < uv_timer_get_due_in(link_timer_);
  uv_timer_start(link_timer_, on_link_timer, ms, 0);
  if (!link_work_) {
    link_work_ = true;
    stack_->add_background_work();
  } else if (sooner) {
    // The network thread may be asleep until the time the timer had before.
    stack_->wake_network_thread();
  }
  stack_->timer_started();
}

void UdpSocket::on_link_timer(uv_timer_t* timer) { static_cast<UdpSocket*>(timer->data)->advance_link(); }

void UdpSocket::link_changed_locked() {
  if (!outgoing_.empty() || !incoming_.empty()) advance_link();
}

// lwip_raw_udp_receive: one datagram per call, cut to the buffer, the rest discarded.
Result<size_t> UdpSocket::receive(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len,
                                  int flags, Endpoint* from) {
  if (closed_) return Error::os(MP_EBADF);
  if (queue_.empty()) {
    const int64_t timeout = effective_recv_timeout_ms(flags);
    const Deadline deadline = Deadline::from_timeout_ms(timeout);
    if ((flags & MP_MSG_PEEK) == 0) {
      if (std::optional<Result<size_t>> taken = receive_alone(lock, buf, len, from, deadline, timeout))
        return *taken;
    }
    // Each check takes the kernel's next datagram straight into `buf` when nothing is queued.
    std::optional<Result<size_t>> direct;
    const auto ready = [&] {
      if (!queue_.empty() || closed_) return true;
      direct = receive_directly(buf, len, flags, from);
      return direct.has_value();
    };
    const WaitOutcome outcome = timeout == 0 ? stack_->wait(lock, deadline, ready)
                                             : stack_->wait_reading_directly(lock, deadline, ready);
    if (direct) return *direct;
    if (outcome == WaitOutcome::interrupted) return Error::interrupted();
    if (closed_) return Error::os(MP_EBADF);
    if (outcome == WaitOutcome::timed_out) return timeout_error(timeout);
  }
  Datagram& datagram = queue_.front();
  const size_t n = std::min(len, datagram.data.size());
  if (n > 0) std::memcpy(buf, datagram.data.data(), n);
  if (from != nullptr) *from = datagram.from;
  if ((flags & MP_MSG_PEEK) == 0) queue_.pop_front();
  return n;
}

// With nothing queued and the link out of the way, the next datagram is the kernel's: read it
// straight into the caller's buffer, cut to its size with the rest discarded, as
// lwip_raw_udp_receive does. nullopt when the kernel has none.
std::optional<Result<size_t>> UdpSocket::receive_directly(uint8_t* buf, size_t len, int flags, Endpoint* from) {
  if (handle_ == nullptr || draining_ || !incoming_.empty()) return std::nullopt;
  const Link& link = stack_->link();
  if (link.shaped() || !link.up()) return std::nullopt;
  const int fd = kernel_fd();
  if (fd < 0) return std::nullopt;
  sockaddr_storage sender{};
  const bool peek = (flags & MP_MSG_PEEK) != 0;
  // full_size: the datagram's own size comes back, for the trace and the byte count.
  const ssize_t n = platform::receive_datagram(fd, buf, len, &sender, {peek, true});
  if (n < 0) return std::nullopt;  // nothing there; ICMP errors never reach a lwIP UDP pcb
  const size_t size = static_cast<size_t>(n);
  if (!peek) {
    stack_->count_link_bytes(size);
    trace_event("datagram-in", static_cast<int64_t>(size));
  }
  if (from != nullptr) *from = from_host_address(reinterpret_cast<const sockaddr*>(&sender));
  return Result<size_t>(std::min(size, len));
}

// What the next turn of the loop and the receive after it would do for this socket, without the
// loop (so not while the link is shaped or down, or datagrams cross it). The turn would queue
// what the kernel holds (on_receive) and the receive take the first: here the first goes
// straight into the caller's buffer, the rest of the turn queues behind it, and then it leaves
// the queue. That saves a turn of the loop, an allocation and a copy per datagram of a
// request/response exchange. Other sockets the loop serves wait for its next turn, as they do
// while a TCP receive takes its bytes straight from the kernel (TcpSocket::receive_directly).
// nullopt when the kernel has nothing, or the shortcut does not apply.
std::optional<Result<size_t>> UdpSocket::receive_turn(uint8_t* buf, size_t len, Endpoint* from,
                                                      bool* turn_done) {
  if (handle_ == nullptr || draining_ || !incoming_.empty() || !outgoing_.empty())
    return std::nullopt;
  const Link& link = stack_->link();
  if (link.shaped() || !link.up() || limits_->udp_queue == 0) return std::nullopt;
  const int fd = kernel_fd();
  if (fd < 0) return std::nullopt;
  // The turn's first read takes the first datagram into `buf`; its own size comes back even
  // when it is cut to `len`. With a queue shorter than a turn's reads, the second read comes in
  // the same call, into a block (no datagram is longer than one), and the turn goes on behind
  // it, dropping what the queue has no room for. With room for a whole turn (the desktop
  // profile's queue) the turn would drop nothing, so what follows the first datagram can as
  // well wait in the kernel for the next receive, as it does for a receive that waited
  // (receive_directly): one recvmsg instead of a recvmmsg of two, most of a microsecond less
  // per request and response.
  platform::DatagramSlot slots[2];
  slots[0].buf = buf;
  slots[0].len = len;
  std::unique_ptr<uint8_t[]> block;
  int got;
  if (limits_->udp_queue >= static_cast<size_t>(kDatagramsPerTurn)) {
    const ssize_t n = platform::receive_datagram(fd, buf, len, &slots[0].sender, {false, true});
    got = n < 0 ? static_cast<int>(n) : 1;
    if (n >= 0) slots[0].size = static_cast<size_t>(n);
  } else {
    block = stack_->buffers().take();
    slots[1].buf = block.get();
    slots[1].len = BufferPool::kBlockSize;
    got = platform::receive_datagrams(fd, slots, 2);
  }
  if (got <= 0) {
    stack_->buffers().give(std::move(block));
    if (got == 0 || got == -EAGAIN || got == -EWOULDBLOCK) {
      // The turn found nothing. It would also have put this socket in the loop's poll set, if
      // no turn has yet; once there, the caller may wait without running the loop first.
      // (libuv 1.44's loop_serves_only already says no before that turn; older ones may not.)
      *turn_done = stack_->turns() > receiving_from_turn_;
      return std::nullopt;
    }
    // An ICMP error (consumed, never seen by a lwIP UDP pcb) ends the loop's turn, and the
    // receive would then read the kernel's next datagram directly. (One that comes in during
    // the call, after the first datagram, stays pending for the next read, as if it had come
    // in just after the turn.)
    return receive_directly(buf, len, 0, from);
  }
  // The first datagram arrives (on_receive, deliver) and is taken from the queue at once.
  const size_t size = slots[0].size;
  stack_->count_link_bytes(size);
  trace_event("datagram-in", static_cast<int64_t>(size));
  fire_event_locked();
  stack_->notify_changed();
  if (from != nullptr)
    *from = from_host_address(reinterpret_cast<const sockaddr*>(&slots[0].sender));
  if (got == 2) {
    // More followed it: they queue behind the first, which holds its place until taken.
    queue_.push_back(Datagram{});
    arrive(block.get(), slots[1].size, reinterpret_cast<const sockaddr*>(&slots[1].sender));
    read_rest_of_turn(fd, block.get(), kDatagramsPerTurn - 2);
    queue_.pop_front();
  }
  stack_->buffers().give(std::move(block));
  return Result<size_t>(std::min(size, len));
}

// A receive with nothing queued: its turns (receive_turn) without the loop, and between them,
// while the kernel has nothing and the loop serves this socket alone (Stack::loop_serves_only),
// a sleep on the socket itself (Stack::sleep_on_socket), not in the loop. A non-blocking receive
// makes one turn. Returns what was received or what ended the wait (its timeout, a signal), or
// nullopt for the caller to go on the usual way: the shortcut does not apply (any more), the
// loop has more to serve than this socket, or another thread's turn of the loop queued
// datagrams meanwhile, which come first.
std::optional<Result<size_t>> UdpSocket::receive_alone(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len,
                                                       Endpoint* from, const Deadline& deadline, int64_t timeout) {
  for (;;) {
    bool turn_done = false;
    if (std::optional<Result<size_t>> taken = receive_turn(buf, len, from, &turn_done)) return taken;
    if (!turn_done || !stack_->loop_serves_only(reinterpret_cast<uv_handle_t*>(handle_)))
      return std::nullopt;
    switch (stack_->sleep_on_socket(lock, deadline, kernel_fd())) {
      case WaitOutcome::ready:
        break;
      case WaitOutcome::timed_out:
        return Result<size_t>(timeout_error(timeout));
      case WaitOutcome::interrupted:
        return Result<size_t>(Error::interrupted());
    }
    if (!queue_.empty() || closed_) return std::nullopt;
  }
}

// The rest of uv__udp_recvmsg's turn: up to `reads` more datagrams, read into `block`, until
// the kernel has none (or reports an error, which also ends the turn).
void UdpSocket::read_rest_of_turn(int fd, uint8_t* block, int reads) {
  for (int i = 0; i < reads; ++i) {
    sockaddr_storage sender{};
    const ssize_t n = platform::receive_datagram(fd, block, BufferPool::kBlockSize, &sender);
    if (n < 0) return;
    arrive(block, static_cast<size_t>(n), reinterpret_cast<const sockaddr*>(&sender));
  }
}

Result<size_t> UdpSocket::do_recv(uint8_t* buf, size_t len, int flags) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  return receive(lock, buf, len, flags, nullptr);
}

Result<size_t> UdpSocket::do_recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  return receive(lock, buf, len, flags, from);
}

Result<size_t> UdpSocket::stream_recv_once(uint8_t* buf, size_t len) { return do_recv(buf, len, 0); }

Status UdpSocket::set_membership(const std::vector<uint8_t>& request, bool join) {
  const IpAddress group = IpAddress::v4(request[0], request[1], request[2], request[3]);
  IpAddress interface = IpAddress::v4(request[4], request[5], request[6], request[7]);
  // igmp_joingroup refuses a group that is not multicast (ERR_VAL).
  if (!group.is_multicast()) return Error::os(MP_EINVAL);
  // The emulated camera's interfaces are loopback: unless exposed, a membership never joins
  // a group on another of the host's interfaces (whose address the request may name).
  if (interface.is_any() || !stack_->expose_wildcard()) interface = IpAddress::loopback();
  Status opened = open_handle(MP_AF_INET);
  if (!opened) return opened;
  const int r = uv_udp_set_membership(handle_, group.to_string().c_str(), interface.to_string().c_str(),
                                      join ? UV_JOIN_GROUP : UV_LEAVE_GROUP);
  if (r != 0) return Error::os(MP_EINVAL);
  return {};
}

Result<OptionOutcome> UdpSocket::set_option_locked(int option, const OptionValue& value) {
  switch (option) {
    case MP_SO_REUSEADDR:
    case MP_SO_BROADCAST: {
      const bool on = std::get<int64_t>(value) != 0;
      (option == MP_SO_REUSEADDR ? reuse_address_ : broadcast_) = on;
      if (const int fd = kernel_fd(); fd >= 0) {
        const int flag = on ? 1 : 0;
        setsockopt(fd, SOL_SOCKET, option == MP_SO_REUSEADDR ? SO_REUSEADDR : SO_BROADCAST, &flag,
                   sizeof(flag));
      }
      return OptionOutcome::applied;
    }
    case MP_IP_ADD_MEMBERSHIP:
    case MP_IP_DROP_MEMBERSHIP: {
      Status changed = set_membership(std::get<std::vector<uint8_t>>(value), option == MP_IP_ADD_MEMBERSHIP);
      if (!changed) return changed.error();
      return OptionOutcome::applied;
    }
    case MP_TCP_NODELAY:
      return OptionOutcome::applied;  // a TCP flag; nothing to do on UDP
    default:
      return OptionOutcome::not_implemented;
  }
}

int UdpSocket::poll_locked(int requested) {
  if (closed_) return MP_POLLNVAL;
  int ready = 0;
  if ((requested & MP_POLLIN) && !queue_.empty()) ready |= MP_POLLIN;
  if (requested & MP_POLLOUT) ready |= MP_POLLOUT;  // UDP is always writable
  return ready;
}

int UdpSocket::repr_state_locked() const { return closed_ ? -17 : 5; }  // STATE_ACTIVE_UDP

std::string UdpSocket::repr_incoming_locked() const { return std::to_string(queue_.size()); }

// Asked of every socket by each send to loopback under a camera profile (Stack::self_route_locked),
// so the kernel is asked once, not per send: a socket has the same local address from when it
// has a port (a bind, a connect, the kernel's choice at a first send) until a bind, a connect
// or a close.
bool UdpSocket::receives_at_locked(int type, const Endpoint& destination) {
  if (type != MP_SOCK_DGRAM || closed_ || handle_ == nullptr) return false;
  if (!local_) {
    const std::optional<Endpoint> local = kernel_local_endpoint();
    if (!local || local->port == 0) return false;  // no port yet: nothing to keep
    local_ = local;
  }
  return local_->port == destination.port && (local_->ip.is_any() || local_->ip == destination.ip);
}

Result<Endpoint> UdpSocket::local_endpoint() {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_) return Error::os(MP_EBADF);
  if (handle_ == nullptr) return Endpoint{IpAddress::any(family_ == MP_AF_INET6 ? MP_AF_INET6 : MP_AF_INET), 0};
  const std::optional<Endpoint> local = kernel_local_endpoint();
  if (!local) return Error::os(MP_EINVAL);
  return *local;
}

std::optional<Endpoint> UdpSocket::kernel_local_endpoint() const {
  sockaddr_storage name{};
  int length = sizeof(name);
  if (uv_udp_getsockname(handle_, reinterpret_cast<sockaddr*>(&name), &length) != 0)
    return std::nullopt;
  return from_host_address(reinterpret_cast<sockaddr*>(&name));
}

Result<Endpoint> UdpSocket::peer_endpoint() {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (closed_) return Error::os(MP_EBADF);
  if (!connected_) return Error::os(MP_ENOTCONN);
  return peer_;
}

}  // namespace mpsock
