// A TCP socket with modlwip's semantics over a host TCP connection driven by libuv.
//
// The firmware's shape is kept: libuv callbacks (lwIP's raw-API callbacks on the camera) only
// push into the socket's queues and change its state; the script-facing calls wait on those
// queues with a deadline. When the link is shaped (latency, bandwidth, loss) or down, data
// waits in link queues for the moment it gets across.
#pragma once

#include <uv.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "fifo.h"
#include "host_socket.h"
#include "mpsock/socket.h"
#include "mpsock/stack.h"

namespace mpsock {

class TcpSocket final : public Socket {
 public:
  // With the stack lock held.
  static std::shared_ptr<TcpSocket> create(std::shared_ptr<Stack> stack, int af,
                                           std::shared_ptr<const Profile> limits);
  ~TcpSocket() override;

  int poll_locked(int requested) override;
  Result<Endpoint> local_endpoint() override;
  Result<Endpoint> peer_endpoint() override;
  void link_changed_locked() override;
  void inject_reset_locked() override;
  void inject_peer_close_locked() override;
  bool receives_at_locked(int type, const Endpoint& destination) override;
  // For the stack (Stack::take_back_file), with its lock held: the socket's file is
  // non-blocking again, and the loop may read and write it.
  void give_file_back();

 protected:
  Status do_bind(const Endpoint& local) override;
  Status do_listen(int backlog) override;
  Result<Accepted> do_accept() override;
  Status do_connect(const Endpoint& remote) override;
  Result<size_t> do_send(const uint8_t* data, size_t len) override;
  Status do_sendall(const uint8_t* data, size_t len) override;
  Result<size_t> do_sendto(const uint8_t* data, size_t len, const Endpoint& to) override;
  Result<size_t> do_recv(uint8_t* buf, size_t len, int flags) override;
  Result<size_t> do_recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from) override;
  Result<size_t> stream_recv_once(uint8_t* buf, size_t len) override;
  Result<size_t> stream_send_once(const uint8_t* data, size_t len) override;
  void close_locked() override;
  bool closed_without_turn_locked(std::shared_ptr<Socket>* released) override;
  Result<OptionOutcome> set_option_locked(int option, const OptionValue& value) override;
  int repr_state_locked() const override;
  std::string repr_incoming_locked() const override;

 private:
  // modlwip's socket states; `failed` means lwIP freed the pcb after an error (kept in
  // failure_) and `dead` that the error was reported and only EBADF is left.
  enum class State { fresh, listening, connecting, connected, peer_closed, failed, dead };

  // Received bytes as the kernel handed them over. One recv() returns at most the rest of one
  // MSS-sized segment of the front chunk, as lwIP returns at most one pbuf.
  struct RxChunk {
    std::unique_ptr<uint8_t[]> data;
    size_t size = 0;
    size_t offset = 0;
    bool pooled = false;  // data is a BufferPool block, to give back once consumed
  };

  // Sent bytes crossing a shaped link: queued for the kernel when they arrive, counted in the
  // send buffer until their ACK is back.
  struct OutgoingSegment {
    std::unique_ptr<uint8_t[]> data;
    size_t size = 0;
    Clock::time_point arrives;
    Clock::time_point acked;
    bool delivered = false;
  };

  // What the peer sent, crossing the link towards the script.
  struct IncomingPiece {
    enum class Kind { data, end_of_stream, reset };
    Kind kind = Kind::data;
    RxChunk chunk;
    Clock::time_point arrives;
  };

  TcpSocket(std::shared_ptr<Stack> stack, int af, std::shared_ptr<const Profile> limits);

  // Kernel connection handle. While it is open the socket keeps itself alive (self_), so
  // callbacks can always reach it, even after the script dropped the socket.
  Status open_handle(const IpAddress& family_of);
  void close_handle(bool reset);
  void release_pcb();
  void apply_options(bool just_opened = false);
  void match_host_nagle();

  Status check_connected_for_send();
  Result<size_t> check_connected_for_recv(bool* finished);
  Result<size_t> receive(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len, int flags);
  std::optional<Result<size_t>> receive_directly(uint8_t* buf, size_t len, int flags,
                                                 bool* would_block = nullptr);
  std::optional<Result<size_t>> receive_alone(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len, int flags,
                                              const Deadline& deadline);
  bool read_as_the_loop(bool* would_block);
  bool may_sleep_in_recv(const Deadline& deadline) const;
  std::optional<Result<size_t>> sleep_in_recv(std::unique_lock<std::mutex>& lock, uint8_t* buf,
                                              size_t len, int flags, bool* look_again);
  void took_from_kernel(std::unique_ptr<uint8_t[]> block, size_t size);
  Result<size_t> send_some(std::unique_lock<std::mutex>& lock, const uint8_t* data, size_t len);
  Result<size_t> send_directly(std::unique_lock<std::mutex>& lock, const uint8_t* data, size_t len);
  size_t send_room() const;
  size_t room_beside(size_t unacked) const;
  size_t room_or_watch(size_t wanted);
  void write_to_host(const uint8_t* data, size_t len);
  void fail(int firmware_errno);
  void start_reading();
  void stop_reading();
  size_t window_left() const;
  void consumed(size_t n);
  void linger();
  void take_waiting_connection(bool just_arrived = false);
  void retry_waiting_connection_later();
  static void on_syn_retry(uv_timer_t* timer);
  void drop_before_connected();
  void connect_unanswered();
  static void on_unanswered_gives_up(uv_timer_t* timer);
  Status finish_connect();
  int kernel_fd() const;
  // The kernel socket's address (getsockname), with the handle open; nullopt if it fails.
  std::optional<Endpoint> kernel_local_endpoint() const;
  ssize_t try_write_host(const uint8_t* data, size_t len);
  int kernel_error() const;
  // One look at the kernel's count (platform::unacknowledged_bytes), through the stack's test seam.
  size_t unacked_in_kernel(Stack::UnackedLook look = Stack::UnackedLook::room) const;
  void watch_acks();
  static void on_ack_check(uv_timer_t* timer);
  void became_connected(const sockaddr* peer_name = nullptr);
  Status connect_directly(const HostAddress& host, const Endpoint& remote);
  bool settle_connect();
  void watch_connect();
  void stop_watching_connect();

  // The link: whether data goes through the link queues, and moving it along.
  bool uses_link() const;
  void send_over_link(const uint8_t* data, size_t len);
  void receive_over_link(IncomingPiece::Kind kind, RxChunk chunk);
  void arrive(IncomingPiece& piece);
  void advance_link();
  void schedule_link_timer();
  void retransmit_what_a_dead_link_lost();

  static void on_connect(uv_connect_t* request, int status);
  static void on_connection(uv_stream_t* server, int status);
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* request, int status);
  static void on_shutdown(uv_shutdown_t* request, int status);
  static void on_close_timeout(uv_timer_t* timer);
  static void on_link_timer(uv_timer_t* timer);
  static void on_close(uv_handle_t* handle);

  State state_ = State::fresh;
  int failure_ = 0;
  bool reset_reported_ = false;
  bool pcb_held_ = true;
  PcbKind pcb_kind_ = PcbKind::tcp;

  uv_tcp_t* handle_ = nullptr;
  bool bound_ = false;
  bool reuse_address_ = false;
  bool no_delay_ = false;
  // TCP_NODELAY as set on the kernel socket (match_host_nagle), or as inherited from the
  // listener that accepted it.
  bool host_no_delay_ = false;
  // The script's close left nothing for the handle's close callback to do for the socket.
  bool closed_alone_ = false;
  std::shared_ptr<TcpSocket> self_;
  Endpoint peer_;

  Fifo<RxChunk> rx_;
  size_t rx_bytes_ = 0;
  bool reading_ = false;
  // The kernel socket's file is blocking, lent to receives that sleep in its recv (see
  // sleep_in_recv), until the stack takes it back.
  bool file_lent_ = false;
  bool signal_look_set_ = false;  // the file's recv gives up every kSignalLookMs
  // A turn of the loop took the file back while a receive slept in it, and stopped the loop's
  // reading so the bytes stay for the sleeper: it starts the reading again when it is back.
  bool reading_lent_ = false;

  size_t tx_queued_ = 0;  // bytes copied for the kernel and not yet written
  // Sent while the connect was still in progress, under firmware that takes such data (before
  // v1.25): it goes out once the handshake is done.
  std::vector<uint8_t> before_connected_;
  bool early_work_ = false;  // holds one unit of background work while that data waits
  // A connect to the camera's own address: the SYN goes out on the link and nothing answers,
  // until lwIP gives up.
  uv_timer_t* unanswered_timer_ = nullptr;

  uv_timer_t* close_timer_ = nullptr;  // aborts a graceful close that takes too long
  bool lingering_ = false;
  bool shutdown_sent_ = false;
  bool shutdown_done_ = false;  // the FIN is queued; the close waits for the last ACK

  // The link queues (used while the link is shaped or down, and until they drain).
  Fifo<OutgoingSegment> tx_link_;
  size_t tx_link_bytes_ = 0;
  Fifo<IncomingPiece> rx_link_;
  size_t rx_link_bytes_ = 0;
  Clock::time_point last_arrival_in_{};
  Clock::time_point last_arrival_out_{};
  bool connect_pending_ = false;  // the kernel answered the connect; the answer is still crossing
  int connect_error_ = 0;         // the answer was a failure (e.g. ECONNRESET for a refusal)
  Clock::time_point connect_completes_;
  Clock::duration connect_crossing_{};  // how long the SYN and its answer take on the link
  uv_timer_t* link_timer_ = nullptr;
  bool link_work_ = false;  // holds one unit of the stack's background work

  // Listening: connections lwIP has accepted for the script, at most accept_slots_. When the
  // queue is full, libuv is left holding the next connection (it stops accepting until we take
  // it), and the kernel's backlog holds the rest, as lwIP drops SYNs it has no room for.
  Fifo<std::shared_ptr<TcpSocket>> accept_queue_;
  // A listener's local address, asked of the kernel once for receives_at_locked: it does not
  // change while the socket listens.
  std::optional<Endpoint> listening_at_;
  size_t accept_slots_ = 1;
  bool connection_waiting_ = false;
  // A connection that found no room had its SYN dropped by lwIP; the client's TCP tries
  // again after 1 s, then 2 s, 4 s, ... (Linux's initial RTO and backoff).
  Clock::time_point syn_retry_at_;
  int syn_retries_ = 0;
  uv_timer_t* syn_retry_timer_ = nullptr;

  // lwIP counts unacknowledged bytes in TCP_SND_BUF: with a camera-sized buffer, so does the
  // emulator, asking the kernel (platform::unacknowledged_bytes); a timer re-checks while a sender
  // waits for ACKs.
  bool counts_kernel_unacked_ = false;
  uv_timer_t* ack_timer_ = nullptr;

  // A connect made straight on the kernel socket that it has not settled yet (connect_directly).
  uv_poll_t* connect_watch_ = nullptr;
};

}  // namespace mpsock
