// A UDP socket with modlwip's semantics: a receive queue of a few datagrams that drops what
// does not fit, truncation to the reader's buffer, broadcast only with SO_BROADCAST.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <vector>

#include "fifo.h"
#include "mpsock/socket.h"
#include "mpsock/stack.h"

namespace mpsock {

class UdpSocket final : public Socket {
 public:
  static std::shared_ptr<UdpSocket> create(std::shared_ptr<Stack> stack, int af,
                                           std::shared_ptr<const Profile> limits);
  ~UdpSocket() override;

  int poll_locked(int requested) override;
  Result<Endpoint> local_endpoint() override;
  Result<Endpoint> peer_endpoint() override;
  void link_changed_locked() override;
  bool receives_at_locked(int type, const Endpoint& destination) override;

 protected:
  Status do_bind(const Endpoint& local) override;
  Status do_connect(const Endpoint& remote) override;
  Result<size_t> do_send(const uint8_t* data, size_t len) override;
  Status do_sendall(const uint8_t* data, size_t len) override;
  Result<size_t> do_sendto(const uint8_t* data, size_t len, const Endpoint& to) override;
  Result<size_t> do_recv(uint8_t* buf, size_t len, int flags) override;
  Result<size_t> do_recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from) override;
  Result<size_t> stream_recv_once(uint8_t* buf, size_t len) override;
  Result<size_t> stream_send_once(const uint8_t* data, size_t len) override;
  void close_locked() override;
  Result<OptionOutcome> set_option_locked(int option, const OptionValue& value) override;
  int repr_state_locked() const override;
  std::string repr_incoming_locked() const override;

 private:
  struct Datagram {
    std::vector<uint8_t> data;
    Endpoint from;
  };
  // A datagram crossing a shaped link, either way.
  struct Crossing {
    Datagram datagram;
    std::optional<Endpoint> to;  // outgoing: the destination, or none for the connected peer
    Clock::time_point arrives;
  };

  UdpSocket(std::shared_ptr<Stack> stack, int af, std::shared_ptr<const Profile> limits);

  Status open_handle(int family);
  void close_handle();
  Result<size_t> send_datagram(const uint8_t* data, size_t len, const Endpoint* to);
  void transmit(const uint8_t* data, size_t len, const Endpoint* to);
  void arrive(const uint8_t* data, size_t size, const sockaddr* from);
  void deliver(Datagram datagram);
  void advance_link();
  void schedule_link_timer();
  static void on_link_timer(uv_timer_t* timer);
  Result<size_t> receive(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len, int flags,
                         Endpoint* from);
  std::optional<Result<size_t>> receive_directly(uint8_t* buf, size_t len, int flags, Endpoint* from);
  std::optional<Result<size_t>> receive_turn(uint8_t* buf, size_t len, Endpoint* from,
                                             bool* turn_done);
  std::optional<Result<size_t>> receive_alone(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len,
                                              Endpoint* from, const Deadline& deadline, int64_t timeout);
  void read_rest_of_turn(int fd, uint8_t* block, int reads);
  Status bind_host(const Endpoint& local);
  // The kernel socket under the handle, or -1 when there is none (TcpSocket::kernel_fd's twin).
  int kernel_fd() const;
  // The kernel socket's address (getsockname), with the handle open; nullopt if it fails.
  std::optional<Endpoint> kernel_local_endpoint() const;
  Status set_membership(const std::vector<uint8_t>& request, bool join);

  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_receive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                         const sockaddr* from, unsigned flags);
  static void on_close(uv_handle_t* handle);

  uv_udp_t* handle_ = nullptr;
  int handle_family_ = 0;
  uint64_t receiving_from_turn_ = 0;  // Stack::turns() when the handle started receiving
  std::shared_ptr<UdpSocket> self_;
  bool pcb_held_ = true;
  bool bound_ = false;
  bool bound_implicitly_ = false;  // by the first send of a socket the script did not bind
  bool connected_ = false;
  Endpoint peer_;
  // The kernel socket's local address once it has a port, kept for receives_at_locked until a
  // bind, a connect or a close can change it.
  std::optional<Endpoint> local_;
  bool reuse_address_ = false;
  bool broadcast_ = false;

  Fifo<Datagram> queue_;

  std::vector<Crossing> outgoing_;  // erased out of order (jitter), so a vector
  std::vector<Crossing> incoming_;
  uv_timer_t* link_timer_ = nullptr;
  bool link_work_ = false;
  bool draining_ = false;  // closed, with datagrams still crossing the link
};

}  // namespace mpsock
