#include "mpsock/stack.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "buffer_pool.h"
#include "mpsock/resolver.h"
#include "mpsock/socket.h"
#include "network_thread.h"
#include "platform.h"
#include "recv_sleeper.h"
#include "tcp_socket.h"
#include "udp_socket.h"
#include "waiter.h"

namespace mpsock {

namespace {

// Free blocks a stack keeps: one desktop receive window (4 MiB), what one bulk stream cycles
// through. Camera profiles' windows are a few blocks' worth at most.
constexpr size_t kFreeBufferBlocks = 64;
// A sender waiting for ACKs looks again after this long, then twice as long each time while
// that is sooner than the ACK check's period (see wait_for_acks). Below the default timer
// slack (50 us) a sleep is no shorter.
constexpr int64_t kFirstAckLookUs = 50;
constexpr int64_t kAckLookPeriodUs = 1000;

}  // namespace

std::shared_ptr<Stack> Stack::create(const Profile& profile) {
  return std::shared_ptr<Stack>(new Stack(profile));
}

Stack::Stack(const Profile& profile) : profile_(std::make_shared<const Profile>(profile)) {
  // A write to a connection the peer reset must be an error, not the end of the process:
  // ignore SIGPIPE as CPython does, unless the program chose a handler of its own.
  struct sigaction current{};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
  // A loop that cannot be created leaves nothing to emulate with; there is no error to return.
  if (uv_loop_init(&loop_) != 0) std::abort();
  resolver_ = std::make_unique<Resolver>(*this);
  buffers_ = std::make_unique<BufferPool>(kFreeBufferBlocks);
  recv_sleeper_ = std::make_unique<RecvSleeper>();
  network_thread_ = std::make_unique<NetworkThread>();
}

Stack::~Stack() {
  network_thread_->stop();
  shutdown();
  resolver_.reset();
  // Run until every handle's close callback has fired, then free the loop.
  if (lent_file_ != nullptr) take_back_file();
  while (uv_loop_close(&loop_) == UV_EBUSY) uv_run(&loop_, UV_RUN_NOWAIT);
}

Profile Stack::profile() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return *profile_;
}

void Stack::set_profile(const Profile& profile) {
  std::lock_guard<std::mutex> guard(mutex_);
  profile_ = std::make_shared<const Profile>(profile);
}

Result<std::shared_ptr<Socket>> Stack::open_socket(int af, int type, int proto) {
  (void)proto;  // modlwip only reads proto for raw sockets, which the emulator does not offer
  if (type != MP_SOCK_STREAM && type != MP_SOCK_DGRAM) return Error::os(MP_EINVAL);
  std::lock_guard<std::mutex> guard(mutex_);
  const PcbKind kind = type == MP_SOCK_STREAM ? PcbKind::tcp : PcbKind::udp;
  if (!reserve_pcb(kind)) return Error::os(MP_ENOMEM);
  std::shared_ptr<Socket> socket;
  if (type == MP_SOCK_STREAM) {
    socket = TcpSocket::create(shared_from_this(), af, profile_);
  } else {
    socket = UdpSocket::create(shared_from_this(), af, profile_);
  }
  return user_reference(std::move(socket));
}

Status Stack::sleep_ms(int64_t ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  const WaitOutcome outcome = wait(lock, Deadline::from_timeout_ms(ms < 0 ? 0 : ms), [] { return false; });
  if (outcome == WaitOutcome::interrupted) return Error::interrupted();
  return {};
}

void Stack::set_interrupt_source(InterruptSource* source) {
  std::lock_guard<std::mutex> guard(mutex_);
  interrupts_ = source;
}

WaitOutcome Stack::wait(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                        const std::function<bool()>& ready) {
  return wait_with(lock, deadline, ready, false);
}

WaitOutcome Stack::wait_reading_directly(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                                         const std::function<bool()>& ready) {
  return wait_with(lock, deadline, ready, true);
}

WaitOutcome Stack::wait_writing_directly(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                                         const std::function<bool()>& ready, int fd) {
  // A write the kernel takes at once needs nothing from the loop: the poll below watches `fd`
  // itself, and timers run on the network thread. Only a caller left waiting runs the loop.
  if (ready()) return WaitOutcome::ready;
  return wait_with(lock, deadline, ready, true, fd);
}

WaitOutcome Stack::wait_for_acks(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                                 const std::function<bool()>& ready) {
  return wait_with(lock, deadline, ready, false, -1, kFirstAckLookUs);
}

WaitOutcome Stack::wait_with(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                             const std::function<bool()>& ready, bool ready_before_pump,
                             int writable_fd, int64_t look_again_us) {
  // The thread's wake-up descriptor, which lives as long as the thread, is opened by its first
  // wait, whether or not that wait sleeps: a thread's descriptors are settled once it has
  // waited (Stack::sleep_ms(0) opens it on purpose).
  (void)Waiter::for_this_thread();
  for (bool first = true;; first = false) {
    // The first pass runs the loop: it applies watcher changes libuv has queued (a read just
    // started by a connect callback, say), without which the poll below could not see the
    // caller's descriptor. After a wake-up, a caller that reads or writes the kernel directly
    // tries first and runs the loop only if the wake-up was not for it.
    if (ready_before_pump && !first) {
      if (ready()) return WaitOutcome::ready;
    }
    pump();
    if (ready()) return WaitOutcome::ready;
    int timeout = deadline.poll_timeout_ms();
    if (timeout == 0) return WaitOutcome::timed_out;
    // Wake in time for the loop's next timer, so timers fire while this thread waits. A loop
    // with nothing active has no timer, yet uv_backend_timeout answers 0 for it: taken as is,
    // that 0 would make this a poll that never sleeps.
    const int loop_timeout = uv_loop_alive(&loop_) ? uv_backend_timeout(&loop_) : -1;
    if (loop_timeout >= 0 && (timeout < 0 || loop_timeout < timeout)) timeout = loop_timeout;
    // The sleep in microseconds: the caller's next look, when it comes before the rest.
    int64_t sleep_us = timeout < 0 ? -1 : int64_t{timeout} * 1000;
    if (look_again_us > 0 && (sleep_us < 0 || look_again_us < sleep_us)) sleep_us = look_again_us;
    // Doubling; past the ACK check's own period the caller leaves the looking to it.
    look_again_us = look_again_us * 2 < kAckLookPeriodUs ? look_again_us * 2 : 0;

    if (sleep(lock, uv_backend_fd(&loop_), writable_fd, sleep_us)) {
      return WaitOutcome::interrupted;
    }
  }
}

WaitOutcome Stack::sleep_on_socket(std::unique_lock<std::mutex>& lock, const Deadline& deadline, int fd) {
  const int timeout = deadline.poll_timeout_ms();
  if (timeout == 0) return WaitOutcome::timed_out;
  if (sleep(lock, fd, -1, timeout < 0 ? -1 : int64_t{timeout} * 1000)) return WaitOutcome::interrupted;
  return WaitOutcome::ready;
}

bool Stack::sleep(std::unique_lock<std::mutex>& lock, int readable_fd, int writable_fd, int64_t sleep_us) {
  Waiter& me = Waiter::for_this_thread();
  waiters_.push_back(&me);
  InterruptSource* interrupts = interrupts_;
  const int interrupt_fd = interrupts ? interrupts->wakeup_fd() : -1;
  lock.unlock();

  // A negative fd is skipped by poll(2), so the set can keep its shape.
  pollfd fds[4] = {{readable_fd, POLLIN, 0},
                   {me.fd(), POLLIN, 0},
                   {interrupt_fd, POLLIN, 0},
                   {writable_fd, POLLOUT, 0}};
  const int n = platform::poll_us(fds, 4, sleep_us);
  const bool signalled = (n < 0 && errno == EINTR) || (interrupt_fd >= 0 && fds[2].revents != 0);
  const bool stop = signalled && interrupts != nullptr && interrupts->interrupted();

  lock.lock();
  remove_waiter(&me);
  me.drain();
  return stop;
}

void Stack::pump() {
  if (lent_file_ != nullptr) take_back_file();
  ++turns_;  // first, so a watcher started during this turn counts from the next
  closes_without_turn_ = 0;
  uv_run(&loop_, UV_RUN_NOWAIT);
}

void Stack::take_back_file() {
  TcpSocket* socket = lent_file_;
  lent_file_ = nullptr;
  socket->give_file_back();
}

bool Stack::signal_stops(InterruptSource* interrupts, int error) {
  if (interrupts == nullptr) return false;
  bool signalled = error == EINTR;
  const int fd = interrupts->wakeup_fd();
  if (!signalled && fd >= 0) {
    pollfd look{fd, POLLIN, 0};
    signalled = platform::poll_us(&look, 1, 0) > 0;
  }
  return signalled && interrupts->interrupted();
}

void Stack::closed_without_turn() {
  if (++closes_without_turn_ >= kClosesPerTurn) pump();
}

bool Stack::loop_serves_only(const uv_handle_t* handle) const {
  // uv_backend_timeout answers -1 only with no timer, no pending or idle callback and nothing
  // closing (libuv 1.44 also answers 0 while watcher changes wait for the next turn).
  // active_handles and active_reqs are libuv's own counts (uv.h); they leave out unreferenced
  // handles, which the core never makes.
  return background_work_ == 0 && uv_is_active(handle) && loop_.active_handles == 1 &&
         loop_.active_reqs.count == 0 && uv_backend_timeout(&loop_) < 0;
}

void Stack::notify_changed() {
  for (Waiter* waiter : waiters_) waiter->wake();
}

void Stack::timer_started() {
  if (!waiters_.empty()) notify_changed();
}

void Stack::remove_waiter(Waiter* waiter) {
  auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
  if (it != waiters_.end()) waiters_.erase(it);
}

// The network thread sleeps until the loop's next timer or event as it saw them on its last
// turn. Work added since (a write left for the kernel, a timer for the link) is neither, so
// unless the thread is woken to look again it sleeps through it: a shaped send from a script
// that then computes would cross only when the script next called in.
void Stack::add_background_work() {
  if (++background_work_ == 1) {
    network_thread_->wake(shared_from_this());
  } else {
    wake_network_thread();
  }
}

void Stack::wake_network_thread() {
  if (network_waiter_ == nullptr || network_thread_->is_network_thread()) return;
  // Asleep in its wait, or about to be (it runs the loop again on its way back in).
  if (std::find(waiters_.begin(), waiters_.end(), network_waiter_) != waiters_.end())
    network_waiter_->wake();
}

void Stack::remove_background_work() {
  if (background_work_ > 0 && --background_work_ == 0) notify_changed();
}

void Stack::serve_background_work() {
  std::unique_lock<std::mutex> lock(mutex_);
  network_waiter_ = &Waiter::for_this_thread();
  wait(lock, Deadline::never(), [this] { return background_work_ == 0; });
  network_thread_->idle();
}

bool Stack::reserve_pcb(PcbKind kind) {
  int limit = 0;
  switch (kind) {
    case PcbKind::tcp:
      limit = profile_->tcp_pcbs;
      break;
    case PcbKind::tcp_listen:
      limit = profile_->tcp_listen_pcbs;
      break;
    case PcbKind::udp:
      limit = profile_->udp_sockets_available();
      break;
  }
  std::atomic<int>& used = pcbs_in_use_[static_cast<int>(kind)];
  int current = used.load();
  do {
    if (limit != Profile::unlimited && current >= limit) return false;
  } while (!used.compare_exchange_weak(current, current + 1));
  return true;
}

void Stack::release_pcb(PcbKind kind) { pcbs_in_use_[static_cast<int>(kind)].fetch_sub(1); }

int Stack::pcbs_in_use(PcbKind kind) const { return pcbs_in_use_[static_cast<int>(kind)].load(); }

void Stack::register_socket(const std::shared_ptr<Socket>& socket) {
  // Forget sockets that are gone, so the list stays as long as the open ones.
  sockets_.erase(std::remove_if(sockets_.begin(), sockets_.end(),
                                [](const std::weak_ptr<Socket>& s) { return s.expired(); }),
                 sockets_.end());
  sockets_.push_back(socket);
  socket->set_id(next_socket_id_++);
  if (trace_.enabled()) {
    trace_.write(TraceRecord()
                     .add("sock", socket->id())
                     .add("event", "open")
                     .add("type", socket->type() == MP_SOCK_STREAM ? "tcp" : "udp"));
  }
}

template <class Visit>
void Stack::for_each_socket(Visit visit) {
  std::vector<std::shared_ptr<Socket>> alive;
  for (const auto& weak : sockets_) {
    if (auto socket = weak.lock()) alive.push_back(std::move(socket));
  }
  for (auto& socket : alive) visit(*socket);
}

// ---- The link ----

Status Stack::set_conditions(const LinkConditions& conditions) {
  Status checked = check_conditions(conditions);
  if (!checked) return checked;
  std::lock_guard<std::mutex> guard(mutex_);
  link_.set_conditions(conditions);
  if (trace_.enabled()) {
    trace_.write(TraceRecord()
                     .add("event", "conditions")
                     .add("latency_ms", conditions.latency_ms)
                     .add("jitter_ms", conditions.jitter_ms)
                     .add("bandwidth_bps", conditions.bandwidth_bps)
                     .add("loss", conditions.loss)
                     .add("seed", conditions.seed));
  }
  for_each_socket([](Socket& socket) { socket.link_changed_locked(); });
  // Whoever runs the loop waits for timers set under the old conditions.
  notify_changed();
  return {};
}

LinkConditions Stack::conditions() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return link_.conditions();
}

void Stack::set_link_up(bool up) {
  std::lock_guard<std::mutex> guard(mutex_);
  set_link_up_locked(up);
}

void Stack::set_link_up_locked(bool up) {
  if (link_.up() == up) return;
  link_.set_up(up);
  if (trace_.enabled()) trace_.write(TraceRecord().add("event", up ? "link-up" : "link-down"));
  for_each_socket([](Socket& socket) { socket.link_changed_locked(); });
  notify_changed();
}

void Stack::set_unacked_probe(UnackedProbe probe) {
  std::lock_guard<std::mutex> guard(mutex_);
  unacked_probe_ = std::move(probe);
}

bool Stack::link_up() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return link_.up();
}

uint64_t Stack::link_bytes() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return link_bytes_;
}

void Stack::count_link_bytes(size_t bytes) {
  link_bytes_ += bytes;
  if (faults_by_bytes_.empty()) return;
  for (auto it = faults_by_bytes_.begin(); it != faults_by_bytes_.end();) {
    if (link_bytes_ >= *it->at_bytes) {
      // Triggered from the loop's next turn, not from inside the socket that counted.
      Fault due = *it;
      after_ms(0, [this, due] { trigger_fault(due); });
      it = faults_by_bytes_.erase(it);
    } else {
      ++it;
    }
  }
}

Status Stack::add_fault(std::string_view spec) {
  Result<Fault> fault = parse_fault(spec);
  if (!fault) return fault.error();
  add_fault(*fault);
  return {};
}

void Stack::add_fault(const Fault& fault) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (fault.at_bytes) {
    faults_by_bytes_.push_back(fault);
    count_link_bytes(0);
  } else if (fault.at_ms && *fault.at_ms > 0) {
    after_ms(*fault.at_ms, [this, fault] { trigger_fault(fault); });
  } else {
    trigger_fault(fault);
  }
}

void Stack::trigger_fault(const Fault& fault) {
  if (trace_.enabled()) trace_.write(TraceRecord().add("event", "fault").add("fault", describe(fault)));
  switch (fault.kind) {
    case Fault::Kind::reset:
      for_each_socket([](Socket& socket) { socket.inject_reset_locked(); });
      break;
    case Fault::Kind::close:
      for_each_socket([](Socket& socket) { socket.inject_peer_close_locked(); });
      break;
    case Fault::Kind::link_down:
      set_link_up_locked(false);
      if (fault.for_ms) after_ms(*fault.for_ms, [this] { set_link_up_locked(true); });
      break;
    case Fault::Kind::dns_fail:
      resolver_->add_failure_locked(fault.name, Resolver::kNameNotFound);
      break;
  }
  notify_changed();
}

namespace {

struct TimerAction {
  uv_timer_t timer;
  std::function<void()> action;
};

}  // namespace

void Stack::after_ms(int64_t ms, std::function<void()> action) {
  auto* timed = new TimerAction;
  timed->action = std::move(action);
  uv_timer_init(&loop_, &timed->timer);
  timed->timer.data = this;
  uv_update_time(&loop_);
  uv_timer_start(&timed->timer, on_timer, static_cast<uint64_t>(ms < 0 ? 0 : ms), 0);
  timers_.push_back(&timed->timer);
  add_background_work();
  timer_started();
}

void Stack::on_timer(uv_timer_t* timer) {
  auto* stack = static_cast<Stack*>(timer->data);
  auto* timed = reinterpret_cast<TimerAction*>(timer);
  stack->timers_.erase(std::remove(stack->timers_.begin(), stack->timers_.end(), timer), stack->timers_.end());
  std::function<void()> action = std::move(timed->action);
  uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) { delete reinterpret_cast<TimerAction*>(h); });
  stack->remove_background_work();
  action();
}

Stack::SelfRoute Stack::self_route_locked(const Endpoint& remote, int type) {
  if (remote.ip.is_loopback()) {
    const Endpoint destination{host_destination(remote.ip), remote.port};
    bool ours = false;
    for_each_socket([&](Socket& socket) { ours = ours || socket.receives_at_locked(type, destination); });
    return ours ? SelfRoute::loopback : SelfRoute::none;
  }
  for (const IpAddress& own : own_addresses_) {
    if (own == remote.ip) return SelfRoute::own_address;
  }
  return SelfRoute::none;
}

void Stack::set_own_addresses(std::vector<IpAddress> addresses) {
  std::lock_guard<std::mutex> guard(mutex_);
  // A loopback address is the desktop's too: the loopback rule decides for it.
  addresses.erase(std::remove_if(addresses.begin(), addresses.end(),
                                 [](const IpAddress& ip) { return ip.is_loopback() || ip.is_any(); }),
                  addresses.end());
  own_addresses_ = std::move(addresses);
}

Stack::HostBind Stack::host_bind(const IpAddress& ip, bool datagram) const {
  if (expose_wildcard_) return HostBind{ip, false};
  HostBind bind{ip, false};
  // A zone names an interface, and the kernel would take it over the loopback device.
  bind.ip.scope_id = 0;
  if (ip.is_loopback()) return bind;
  if (datagram && (ip.is_wildcard() || ip.is_multicast())) {
    bind.loopback_device = true;
    return bind;
  }
  if (datagram && ip.is_limited_broadcast()) return HostBind{host_destination(ip), false};
  return HostBind{IpAddress::loopback_like(ip), false};
}

IpAddress Stack::host_destination(const IpAddress& ip) const {
  // The emulated LAN is the host's loopback network: its broadcast is loopback's.
  if (ip.is_limited_broadcast()) return IpAddress::v4(127, 255, 255, 255);
  return ip;
}

void Stack::shutdown() {
  std::vector<std::shared_ptr<Socket>> open;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    for (const auto& socket : sockets_) {
      if (auto alive = socket.lock()) open.push_back(std::move(alive));
    }
    sockets_.clear();
  }
  for (auto& socket : open) socket->close();
  open.clear();
  {
    // Faults still scheduled will not happen.
    std::lock_guard<std::mutex> guard(mutex_);
    for (uv_timer_t* timer : timers_) {
      uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) { delete reinterpret_cast<TimerAction*>(h); });
      remove_background_work();
    }
    timers_.clear();
  }
  // Let graceful closes finish; each connection aborts itself after the close timeout.
  std::unique_lock<std::mutex> lock(mutex_);
  interrupts_ = nullptr;
  const Deadline limit = Deadline::after_ms(profile_->close_timeout_ms + 1000);
  wait(lock, limit, [this] { return !uv_loop_alive(&loop_); });
}

}  // namespace mpsock
