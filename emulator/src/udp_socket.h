// A UDP socket with modlwip's semantics: a receive queue of a few datagrams that drops what
// does not fit, truncation to the reader's buffer, broadcast only with SO_BROADCAST.
#pragma once

#include <uv.h>

#include <deque>
#include <memory>
#include <vector>

#include "mpsock/socket.h"
#include "mpsock/stack.h"

namespace mpsock {

class UdpSocket final : public Socket {
 public:
  static std::shared_ptr<UdpSocket> create(std::shared_ptr<Stack> stack, int af, const Profile& limits);
  ~UdpSocket() override;

  Status bind(const Endpoint& local) override;
  Status connect(const Endpoint& remote) override;
  Result<size_t> send(const uint8_t* data, size_t len) override;
  Status sendall(const uint8_t* data, size_t len) override;
  Result<size_t> sendto(const uint8_t* data, size_t len, const Endpoint& to) override;
  Result<size_t> recv(uint8_t* buf, size_t len, int flags) override;
  Result<size_t> recvfrom(uint8_t* buf, size_t len, int flags, Endpoint* from) override;
  int poll_locked(int requested) override;
  Result<Endpoint> local_endpoint() override;
  Result<Endpoint> peer_endpoint() override;

 protected:
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

  UdpSocket(std::shared_ptr<Stack> stack, int af, const Profile& limits);

  Status open_handle(int family);
  void close_handle();
  Result<size_t> send_datagram(const uint8_t* data, size_t len, const Endpoint* to);
  Result<size_t> receive(std::unique_lock<std::mutex>& lock, uint8_t* buf, size_t len, int flags,
                         Endpoint* from);
  Status set_membership(const std::vector<uint8_t>& request, bool join);

  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_receive(uv_udp_t* handle, ssize_t nread, const uv_buf_t* buf,
                         const sockaddr* from, unsigned flags);
  static void on_close(uv_handle_t* handle);

  uv_udp_t* handle_ = nullptr;
  int handle_family_ = 0;
  std::shared_ptr<UdpSocket> self_;
  bool pcb_held_ = true;
  bool bound_ = false;
  bool connected_ = false;
  Endpoint peer_;
  bool reuse_address_ = false;
  bool broadcast_ = false;

  std::deque<Datagram> queue_;
  std::unique_ptr<uint8_t[]> rx_buffer_;
};

}  // namespace mpsock
