// The Stack is the emulated camera's one lwIP stack: it owns the libuv loop that does the real
// I/O, the active Profile, the socket limits and the resolver.
//
// Threads: any number of threads may call into sockets of one Stack at once. All socket state
// and every libuv call are guarded by one mutex. A blocked call runs the loop itself ("pump")
// and then sleeps in poll(2) on the loop's backend fd plus a per-thread wake-up fd, so whichever
// thread is waiting drives the network, and a blocked call costs no CPU.
#pragma once

#include <uv.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mpsock/address.h"
#include "mpsock/deadline.h"
#include "mpsock/errors.h"
#include "mpsock/fault.h"
#include "mpsock/link.h"
#include "mpsock/profile.h"
#include "mpsock/trace.h"

namespace mpsock {

class Socket;
class Resolver;
class Waiter;
class BufferPool;
class NetworkThread;
class TcpSocket;
class RecvSleeper;

// Lets a waiting call notice signals such as Ctrl-C. The bindings implement it with Python's
// signal machinery; the core knows nothing of Python.
class InterruptSource {
 public:
  virtual ~InterruptSource() = default;
  // A descriptor that becomes readable when a signal arrives, to poll from the calling thread,
  // or -1 (the wait still notices EINTR).
  virtual int wakeup_fd() = 0;
  // Called without the stack lock after a wait saw a signal. True stops the wait.
  virtual bool interrupted() = 0;
};

enum class WaitOutcome { ready, timed_out, interrupted };

// Kinds of lwIP protocol control blocks, each with its own pool size in the Profile.
enum class PcbKind { tcp, tcp_listen, udp };

class Stack : public std::enable_shared_from_this<Stack> {
 public:
  static std::shared_ptr<Stack> create(const Profile& profile = default_profile());
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  Profile profile() const;
  // Applies to sockets created afterwards; open sockets keep their limits.
  void set_profile(const Profile& profile);

  // socket(af, type, proto): EINVAL for an unknown type, ENOMEM when the profile's pool for
  // that kind of socket is used up.
  Result<std::shared_ptr<Socket>> open_socket(int af, int type, int proto);

  Resolver& resolver() { return *resolver_; }

  // Sleeps while the network keeps running (time.sleep under the emulator).
  Status sleep_ms(int64_t ms);

  void set_interrupt_source(InterruptSource* source);

  // Lets sockets bind to the host's wildcard and its other addresses (see host_bind). Off by
  // default: whatever a script binds, it listens on the host's loopback only.
  void set_expose_wildcard(bool expose) { expose_wildcard_ = expose; }
  bool expose_wildcard() const { return expose_wildcard_; }

  // Closes every socket and lets graceful closes finish (bounded by the close timeout), so the
  // process can exit with nothing half-sent. Idempotent.
  void shutdown();

  // Sockets open now, by kind (listening TCP sockets count as tcp_listen).
  int pcbs_in_use(PcbKind kind) const;

  // ---- The emulated link ----
  // Latency, jitter, bandwidth and loss between the camera and the world. Applies to data
  // sent and received from now on. Conditions check_conditions refuses change nothing.
  Status set_conditions(const LinkConditions& conditions);
  LinkConditions conditions() const;
  // The WiFi association: while down, connect and sendto fail with EHOSTUNREACH, names do not
  // resolve, and connections stall until it is back.
  void set_link_up(bool up);
  bool link_up() const;
  // Schedules a fault (see fault.h); times count from now.
  void add_fault(const Fault& fault);
  Status add_fault(std::string_view spec);
  // Bytes that crossed the link so far, both ways.
  uint64_t link_bytes() const;

  Trace& trace() { return trace_; }

  // With the lock held: reusable blocks for data between the kernel and the sockets' queues.
  BufferPool& buffers() { return *buffers_; }

  // ---- For the core's own classes (sockets, poller, resolver) ----

  std::mutex& mutex() { return mutex_; }
  uv_loop_t* loop() { return &loop_; }

  // With `lock` held: runs the loop until `ready()` is true, the deadline passes or a signal
  // stops the wait. `ready` is evaluated with the lock held.
  //
  // The invariant every caller keeps: `ready` says false only while what would make it true
  // is bound to wake the waiter: an event on the loop (which all waiters poll), a timer of the
  // loop (each sleep ends by the next one), or notify_changed(). What changes with no event
  // (the kernel's count of unacknowledged bytes) needs a timer, armed by the very look that
  // found `ready` false: armed on a second look, it could miss a change between the two.
  WaitOutcome wait(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                   const std::function<bool()>& ready);
  // As wait(), for a caller whose `ready` reads its data straight from the kernel when there
  // is some: after a wake-up `ready` is asked before the loop runs, and the loop runs only if
  // it still says no, so a round trip costs a turn of the loop, a poll(2) and a read, not two
  // turns of the loop on top of them.
  // (A receive the loop serves alone does not come here while it stays alone: it reads and
  // sleeps on its own socket, see sleep_on_socket.)
  WaitOutcome wait_reading_directly(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                                    const std::function<bool()>& ready);
  // The same for a caller whose `ready` writes straight to the kernel: the wait also wakes when
  // `fd` (the caller's socket, which the loop does not watch for room) can take more.
  WaitOutcome wait_writing_directly(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                                    const std::function<bool()>& ready, int fd);
  // As wait(), for a caller whose `ready` waits for the kernel's count of unacknowledged bytes
  // to fall (a send waiting for room in a camera-sized send buffer). ACKs come with no event;
  // the ACK check (a timer of the loop, so every millisecond at best) wakes every waiter when
  // it sees them, and this caller also looks again on its own after 50 us, 100, 200, 400 and
  // 800 us, then leaves it to the ACK check: on loopback the ACK is back microseconds after the
  // peer reads, and a sender that waited a whole millisecond for each send buffer's worth would
  // move a camera-sized buffer (6400 bytes) per millisecond. It adds five looks to a wait,
  // never removes a wake-up.
  WaitOutcome wait_for_acks(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                            const std::function<bool()>& ready);
  // With the lock held: handles whatever the network has ready, without blocking.
  void pump();
  // With the lock held: a socket closed with nothing left for the loop but its handle's close
  // callback, which frees only the handle. That waits for the loop's next turn, taken here
  // after every kClosesPerTurn such closes so the handles waiting stay few.
  void closed_without_turn();
  static constexpr int kClosesPerTurn = 64;
  // With the lock held: how many times the loop has run. A handle's watcher is in the kernel's
  // poll set once the loop has run after it was started.
  uint64_t turns() const { return turns_; }
  // With the lock held: wakes the threads waiting on this stack (state they watch changed).
  void notify_changed();
  // With the lock held, after starting a loop timer: a thread asleep in the loop's poll chose
  // its timeout before the timer existed (with no timer, for ever), so it is woken to run it.
  void timer_started();

  // With the lock held. False when the profile's pool for `kind` is used up.
  bool reserve_pcb(PcbKind kind);
  // Lock-free, so a socket's destructor can give its pcb back from any context.
  void release_pcb(PcbKind kind);

  // With the lock held: something must progress even while no script call waits (bytes
  // queued for the kernel, a lingering close, an event callback). Counted; the network thread
  // runs the loop while the count is above zero.
  void add_background_work();
  void remove_background_work();
  // With the lock held: the network thread, if it is asleep in its wait, runs the loop again
  // and plans its sleep afresh (a timer holding background work was moved sooner).
  void wake_network_thread();
  // The network thread's turn: runs the loop until no background work is left.
  void serve_background_work();

  // ---- For the core's own classes, with the lock held ----
  // True when a turn of the loop could do nothing but serve `handle`: it is the only active
  // handle, no request is in flight, no timer is set, no callback is pending, nothing is
  // closing, and the network thread has no background work. The caller may then do that
  // turn's work for its handle itself, without running the loop.
  bool loop_serves_only(const uv_handle_t* handle) const;
  // With `lock` held, for a caller the loop serves alone (loop_serves_only) that reads its
  // kernel socket `fd` itself: one sleep until `fd` is readable (or hung up), notify_changed(),
  // a signal or the deadline. No turn of the loop before it, and no epoll instance between the
  // socket and this thread. `ready` means only that the sleep ended: the caller looks again
  // (the loop may have more than its socket to serve by then).
  WaitOutcome sleep_on_socket(std::unique_lock<std::mutex>& lock, const Deadline& deadline, int fd);
  // A receive the loop serves alone may sleep inside the kernel's recv(2) instead, on the
  // socket's file made blocking (TcpSocket::sleep_in_recv). libuv needs its sockets'
  // files non-blocking (it reads until EAGAIN; uv_write writes at once), so at most one file
  // is lent so, and it stays lent between calls only until the stack takes it back: before
  // the loop runs and before libuv writes to it.
  void lend_file(TcpSocket* socket) { lent_file_ = socket; }
  TcpSocket* lent_file() const { return lent_file_; }
  void forget_lent_file(const TcpSocket* socket) {
    if (lent_file_ == socket) lent_file_ = nullptr;
  }
  void take_back_file();
  // The thread asleep in such a recv, if any.
  RecvSleeper& recv_sleeper() { return *recv_sleeper_; }
  // For a caller that slept outside sleep(), without the lock: whether the signal source says a
  // signal stops its wait. `error` is the errno its sleep ended with (EINTR: a signal came).
  InterruptSource* interrupt_source() const { return interrupts_; }
  static bool signal_stops(InterruptSource* interrupts, int error);
  Link& link() { return link_; }
  // Data crossed the link (counts toward byte-triggered faults).
  void count_link_bytes(size_t bytes);
  // Runs `action` (with the lock held) after `ms`, even if no script call is waiting then.
  void after_ms(int64_t ms, std::function<void()> action);
  void set_link_up_locked(bool up);

  // With the lock held: remembers a socket so shutdown() can close it.
  void register_socket(const std::shared_ptr<Socket>& socket);

  // ---- The camera and itself ----
  // How a connection or datagram from the script to `remote` would reach this same emulated
  // camera. A socket whose profile has no loopback interface (the camera boards) cannot: lwIP finds no
  // route to 127.0.0.1 (EHOSTUNREACH at once), and what it sends to its own address goes out
  // on the link and never comes back (a connect times out, a datagram is lost). Where
  // 127.0.0.1 stands for the desktop, only a socket of this stack behind it counts as the
  // camera itself.
  enum class SelfRoute { none, loopback, own_address };
  SelfRoute self_route_locked(const Endpoint& remote, int type);
  // The camera's own interface addresses (what ifconfig reports); 127.0.0.1 counts through
  // the loopback rule above whatever this says.
  void set_own_addresses(std::vector<IpAddress> addresses);

  // ---- A test seam: the kernel's count of unacknowledged bytes ----
  // A camera-sized send buffer is full while the peer has not acknowledged what the kernel
  // sent (SIOCOUTQ). ACKs come in with no event, at any moment, so the order of an ACK and
  // the looks at that count is the one race of a send that no timing can place. A probe
  // answers in the kernel's stead: a test lands the ACK after exactly the look it chooses.
  // `room` is a caller deciding whether to wait (send, poll, close), `ack_check` the timer
  // that looks again while one waits.
  enum class UnackedLook { room, ack_check };
  // Called with the stack lock held, with what the kernel says; returns the count to use. It
  // must not call into the stack. Empty (the default): the kernel's count is used.
  using UnackedProbe = std::function<size_t(UnackedLook look, size_t kernel_count)>;
  void set_unacked_probe(UnackedProbe probe);
  // With the lock held: the count a look at `kernel_count` sees.
  size_t unacked_seen(UnackedLook look, size_t kernel_count) {
    return unacked_probe_ ? unacked_probe_(look, kernel_count) : kernel_count;
  }

  // Where a script's bind lands on the host. With --expose, the address as given. Without,
  // nothing is reachable beyond loopback, whatever the address: a loopback address stays; a
  // UDP socket on the wildcard (any spelling) or on a multicast group keeps that address tied
  // to the loopback device, so the emulated LAN's broadcast and multicast reach it; the
  // limited broadcast becomes the emulated LAN's; every other address (the wildcard for TCP,
  // this host's own addresses, anyone else's) becomes loopback of its kind, as the camera's
  // own address does (lwIP's tcp_bind and udp_bind take any address; only the camera's is
  // ever reached, and the emulated camera's addresses are loopback's).
  struct HostBind {
    IpAddress ip;
    bool loopback_device = false;  // also tie the socket to the loopback device
  };
  HostBind host_bind(const IpAddress& ip, bool datagram) const;
  // The host endpoint a script's destination stands for: the emulated LAN's broadcast
  // address becomes loopback's.
  IpAddress host_destination(const IpAddress& ip) const;

 private:
  explicit Stack(const Profile& profile);
  void remove_waiter(Waiter* waiter);
  // One sleep of the calling thread, the lock released meanwhile: until `readable_fd` can be
  // read, `writable_fd` written (either may be -1), notify_changed() wakes it, a signal
  // arrives or `sleep_us` passes (-1: no limit). True when a signal stops the caller's wait.
  bool sleep(std::unique_lock<std::mutex>& lock, int readable_fd, int writable_fd, int64_t sleep_us);
  WaitOutcome wait_with(std::unique_lock<std::mutex>& lock, const Deadline& deadline,
                        const std::function<bool()>& ready, bool ready_before_pump,
                        int writable_fd = -1, int64_t look_again_us = 0);

  mutable std::mutex mutex_;
  uv_loop_t loop_{};
  std::shared_ptr<const Profile> profile_;  // shared with the sockets made under it
  std::unique_ptr<Resolver> resolver_;
  std::unique_ptr<BufferPool> buffers_;
  InterruptSource* interrupts_ = nullptr;
  TcpSocket* lent_file_ = nullptr;
  std::unique_ptr<RecvSleeper> recv_sleeper_;
  std::unique_ptr<NetworkThread> network_thread_;
  Waiter* network_waiter_ = nullptr;  // the network thread's, once it has run
  int background_work_ = 0;
  uint64_t turns_ = 0;
  int closes_without_turn_ = 0;
  std::vector<Waiter*> waiters_;
  std::vector<std::weak_ptr<Socket>> sockets_;
  std::atomic<int> pcbs_in_use_[3] = {0, 0, 0};
  std::atomic<bool> expose_wildcard_{false};
  bool shut_down_ = false;
  int next_socket_id_ = 1;

  void trigger_fault(const Fault& fault);
  template <class Visit>
  void for_each_socket(Visit visit);
  static void on_timer(uv_timer_t* timer);

  Link link_;
  Trace trace_;
  std::vector<IpAddress> own_addresses_;
  uint64_t link_bytes_ = 0;
  std::vector<Fault> faults_by_bytes_;
  std::vector<uv_timer_t*> timers_;
  UnackedProbe unacked_probe_;
};

}  // namespace mpsock
