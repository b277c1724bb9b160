#include "mpsock/stack.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "mpsock/resolver.h"
#include "mpsock/socket.h"
#include "network_thread.h"
#include "tcp_socket.h"
#include "udp_socket.h"
#include "waiter.h"

namespace mpsock {

std::shared_ptr<Stack> Stack::create(const Profile& profile) {
  return std::shared_ptr<Stack>(new Stack(profile));
}

Stack::Stack(const Profile& profile) : profile_(profile) {
  // A write to a connection the peer reset must be an error, not the end of the process:
  // ignore SIGPIPE as CPython does, unless the program chose a handler of its own.
  struct sigaction current{};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
  // A loop that cannot be created leaves nothing to emulate with; there is no error to return.
  if (uv_loop_init(&loop_) != 0) std::abort();
  resolver_ = std::make_unique<Resolver>(*this);
  network_thread_ = std::make_unique<NetworkThread>();
}

Stack::~Stack() {
  network_thread_->stop();
  shutdown();
  resolver_.reset();
  // Run until every handle's close callback has fired, then free the loop.
  while (uv_loop_close(&loop_) == UV_EBUSY) uv_run(&loop_, UV_RUN_NOWAIT);
}

Profile Stack::profile() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return profile_;
}

void Stack::set_profile(const Profile& profile) {
  std::lock_guard<std::mutex> guard(mutex_);
  profile_ = profile;
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
  Waiter& me = Waiter::for_this_thread();
  for (;;) {
    pump();
    if (ready()) return WaitOutcome::ready;
    int timeout = deadline.poll_timeout_ms();
    if (timeout == 0) return WaitOutcome::timed_out;
    // Wake in time for the loop's next timer, so timers fire while this thread waits.
    const int loop_timeout = uv_backend_timeout(&loop_);
    if (loop_timeout >= 0 && (timeout < 0 || loop_timeout < timeout)) timeout = loop_timeout;

    waiters_.push_back(&me);
    InterruptSource* interrupts = interrupts_;
    const int interrupt_fd = interrupts ? interrupts->wakeup_fd() : -1;
    lock.unlock();

    pollfd fds[3] = {{uv_backend_fd(&loop_), POLLIN, 0}, {me.fd(), POLLIN, 0}, {interrupt_fd, POLLIN, 0}};
    const int n = ::poll(fds, interrupt_fd >= 0 ? 3 : 2, timeout);
    const bool signalled = (n < 0 && errno == EINTR) || (interrupt_fd >= 0 && fds[2].revents != 0);
    const bool stop = signalled && interrupts != nullptr && interrupts->interrupted();

    lock.lock();
    remove_waiter(&me);
    me.drain();
    if (stop) return WaitOutcome::interrupted;
  }
}

void Stack::pump() { uv_run(&loop_, UV_RUN_NOWAIT); }

void Stack::notify_changed() {
  for (Waiter* waiter : waiters_) waiter->wake();
}

void Stack::remove_waiter(Waiter* waiter) {
  auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
  if (it != waiters_.end()) waiters_.erase(it);
}

void Stack::add_background_work() {
  if (++background_work_ == 1) network_thread_->wake(shared_from_this());
}

void Stack::remove_background_work() {
  if (background_work_ > 0 && --background_work_ == 0) notify_changed();
}

void Stack::serve_background_work() {
  std::unique_lock<std::mutex> lock(mutex_);
  wait(lock, Deadline::never(), [this] { return background_work_ == 0; });
  network_thread_->idle();
}

bool Stack::reserve_pcb(PcbKind kind) {
  int limit = 0;
  switch (kind) {
    case PcbKind::tcp:
      limit = profile_.tcp_pcbs;
      break;
    case PcbKind::tcp_listen:
      limit = profile_.tcp_listen_pcbs;
      break;
    case PcbKind::udp:
      limit = profile_.udp_sockets_available();
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
}

IpAddress Stack::host_bind_address(const IpAddress& ip) const {
  if (ip.is_any() && !expose_wildcard_) return IpAddress::loopback(ip.family);
  return ip;
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
  // Let graceful closes finish; each connection aborts itself after the close timeout.
  std::unique_lock<std::mutex> lock(mutex_);
  interrupts_ = nullptr;
  const Deadline limit = Deadline::after_ms(profile_.close_timeout_ms + 1000);
  wait(lock, limit, [this] { return !uv_loop_alive(&loop_); });
}

}  // namespace mpsock
