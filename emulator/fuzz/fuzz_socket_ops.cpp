// Random sequences of socket calls on a few TCP and UDP sockets of one stack, talking to each
// other over loopback: connects to listeners, closed ports and UDP ports, sends and receives of
// every kind, closes mid-operation (from another thread while a call is blocked), calls after
// close, dropped references; network conditions, the link going down and up, resets and
// closes injected as faults; under every board profile and every MicroPython release the
// emulator follows. Timeouts stay at a few milliseconds, so those calls do not block for long.
// A camera board has no loopback interface (its sockets cannot reach each other, as on the
// board): the input gives a camera profile one or not, so both the streams between its own
// sockets and the refusals of a camera reaching itself are driven.
//
// Besides, blocking calls with no timeout against native peers on threads of their own: an
// upload to a reader and a download from a sender (each fast or slow), a datagram, a
// connection to accept, over a plain or shaped link. The input decides after which look at
// the kernel's count of unacknowledged bytes the peer's ACKs land (the stack's probe), so an
// ACK can fall between any two looks of a wait, where a lost wake-up hides.
//
// Checked: every error is one docs/firmware-behaviour.md lists; no call returns more than
// asked; TCP data arrives in order and intact (each stream carries a known byte pattern); UDP
// datagrams arrive intact or cut; a blocking call returns (a watchdog fails the input
// otherwise) and its peer gets every byte; after the stack shuts down no pcb is counted and no
// descriptor is left open.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fuzz_native_peer.h"
#include "fuzz_support.h"

using namespace mpsock;
using namespace mpsock::fuzz;

namespace {

constexpr size_t kSlots = 4;
// Below the 65535-byte UDP cut, so every datagram starts the pattern afresh.
constexpr size_t kMaxPayload = 60000;
constexpr int64_t kMaxTimeoutMs = 5;

uint8_t payload[kMaxPayload];
uint8_t received[kMaxPayload];

// MPSOCK_FUZZ_TRACE=1 prints each call and its outcome, to read a saved crash input.
const bool tracing = std::getenv("MPSOCK_FUZZ_TRACE") != nullptr;
#define TRACE(...)                                  \
  do {                                              \
    if (tracing) std::fprintf(stderr, __VA_ARGS__); \
  } while (0)

// The byte at `offset` of every TCP stream and every datagram.
uint8_t pattern_byte(uint64_t offset) {
  return static_cast<uint8_t>(offset * 131 + 7);
}

void fill_pattern(uint64_t offset, size_t len) {
  for (size_t i = 0; i < len; ++i) payload[i] = pattern_byte(offset + i);
}

// When the peer's ACKs land, as the input says: of the next `looks` looks at the count of
// unacknowledged bytes, those whose bit is set in `held` see the send buffer full (an ACK
// still to come), the others see the kernel's count; after them, the kernel's count again.
// Shared with the probe, which runs on whichever thread looks.
class AckSchedule {
 public:
  void set(uint32_t held, int looks) {
    std::lock_guard<std::mutex> guard(mutex_);
    held_ = held;
    looks_ = looks;
  }
  size_t answer(size_t kernel_count, size_t full) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (looks_ <= 0) return kernel_count;
    --looks_;
    const bool held = (held_ & 1) != 0;
    held_ >>= 1;
    return held ? kernel_count + full : kernel_count;
  }

 private:
  std::mutex mutex_;
  uint32_t held_ = 0;
  int looks_ = 0;
};

struct Slot {
  std::shared_ptr<Socket> socket;
  uint64_t sent = 0;      // stream offset of the next byte sent (TCP)
  uint64_t received = 0;  // stream offset of the next byte received (TCP)
};

class Session {
 public:
  Session(FuzzedDataProvider& in, const Profile& profile)
      : in_(in), stack_(Stack::create(fast_closing(profile))) {
    const size_t full = profile.tcp_snd_buf;
    stack_->set_unacked_probe([acks = acks_, full](Stack::UnackedLook, size_t kernel_count) {
      return acks->answer(kernel_count, full);
    });
  }

  void run() {
    while (in_.remaining_bytes() > 0) step();
  }

  void finish() {
    for (auto& thread : closers_) thread.join();
    closers_.clear();
    stack_->set_unacked_probe(nullptr);
    for (Slot& slot : slots_) slot.socket.reset();
    stack_->shutdown();
    FUZZ_CHECK(stack_->pcbs_in_use(PcbKind::tcp) == 0 &&
                   stack_->pcbs_in_use(PcbKind::tcp_listen) == 0 &&
                   stack_->pcbs_in_use(PcbKind::udp) == 0,
               "a pcb is still counted after shutdown (tcp %d, listen %d, udp %d)",
               stack_->pcbs_in_use(PcbKind::tcp), stack_->pcbs_in_use(PcbKind::tcp_listen),
               stack_->pcbs_in_use(PcbKind::udp));
  }

 private:
  Slot& pick_slot() { return slots_[in_.ConsumeIntegralInRange<size_t>(0, kSlots - 1)]; }
  size_t index_of(const Slot& slot) const { return static_cast<size_t>(&slot - slots_.data()); }

  // The outcome of a call, traced; errors checked against the reference's list.
  template <class R>
  bool outcome(const R& result, const Slot& slot, const char* call) {
    if (result.ok()) {
      TRACE("  slot %zu %s: ok\n", index_of(slot), call);
    } else {
      TRACE("  slot %zu %s: error kind %d code %d\n", index_of(slot), call,
            static_cast<int>(result.error().kind), result.error().code);
    }
    return succeeded(result, call);
  }

  int64_t pick_timeout() {
    return in_.ConsumeBool() ? 0 : in_.ConsumeIntegralInRange<int64_t>(1, kMaxTimeoutMs);
  }

  size_t pick_length() {
    switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        return 0;
      case 1:
        return in_.ConsumeIntegralInRange<size_t>(1, 64);
      case 2:
        return in_.ConsumeIntegralInRange<size_t>(1, 2048);
      default:
        return in_.ConsumeIntegralInRange<size_t>(1, kMaxPayload);
    }
  }

  // Somewhere to bind or connect to: another slot's port, a port nothing listens on, a few
  // fixed ones, loopback or the wildcard.
  Endpoint pick_endpoint(int family) {
    IpAddress ip = in_.ConsumeBool() ? IpAddress::loopback(family) : IpAddress::any(family);
    uint16_t port = 0;
    switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        break;
      case 1: {
        Slot& other = pick_slot();
        if (other.socket) {
          Result<Endpoint> local = other.socket->local_endpoint();
          if (local.ok()) port = local->port;
        }
        break;
      }
      case 2:
        port = closed_port_;
        break;
      default:
        port = in_.ConsumeBool() ? 1 : 9;
        break;
    }
    return Endpoint{ip, port};
  }

  void open(Slot& slot) {
    const int type = in_.ConsumeBool() ? MP_SOCK_DGRAM : MP_SOCK_STREAM;
    const int family = stack_->profile().ipv6 && in_.ConsumeBool() ? MP_AF_INET6 : MP_AF_INET;
    Result<std::shared_ptr<Socket>> opened = stack_->open_socket(family, type, 0);
    slot = Slot();
    if (!outcome(opened, slot, "socket")) {
      FUZZ_CHECK(opened.error().is_os(MP_ENOMEM), "socket() failed with other than ENOMEM");
      return;
    }
    slot.socket = *opened;
    slot.socket->set_timeout_ms(pick_timeout());
  }

  // What one call received: the next bytes of the stream, or one datagram (whole or cut).
  void check_received(Slot& slot, const uint8_t* data, size_t n, bool consumed) {
    if (slot.socket->type() == MP_SOCK_DGRAM) {
      for (size_t i = 0; i < n; ++i)
        FUZZ_CHECK(data[i] == pattern_byte(i), "datagram byte %zu corrupt", i);
      return;
    }
    if (in_sync_) {
      for (size_t i = 0; i < n; ++i) {
        FUZZ_CHECK(data[i] == pattern_byte(slot.received + i),
                   "stream byte %llu corrupt or out of order",
                   static_cast<unsigned long long>(slot.received + i));
      }
    }
    if (consumed) slot.received += n;
  }

  void send_kind(Slot& slot, int kind) {
    const size_t len = pick_length();
    const bool tcp = slot.socket->type() == MP_SOCK_STREAM;
    TRACE("  send kind %d, %zu bytes from offset %llu\n", kind, len,
          static_cast<unsigned long long>(slot.sent));
    fill_pattern(tcp ? slot.sent : 0, len);
    switch (kind) {
      case 0: {
        Result<size_t> sent = slot.socket->send(payload, len);
        if (outcome(sent, slot, "send")) {
          FUZZ_CHECK(*sent <= len, "send returned %zu of %zu", *sent, len);
          if (tcp) slot.sent += *sent;
        }
        break;
      }
      case 1: {
        Status sent = slot.socket->sendall(payload, len);
        if (outcome(sent, slot, "sendall")) {
          if (tcp) slot.sent += len;
        } else if (tcp) {
          in_sync_ = false;  // how much went out before the error is not reported
        }
        break;
      }
      case 2: {
        Result<size_t> sent =
            slot.socket->sendto(payload, len, pick_endpoint(slot.socket->family()));
        if (outcome(sent, slot, "sendto")) {
          FUZZ_CHECK(*sent <= len, "sendto returned %zu of %zu", *sent, len);
          if (tcp) slot.sent += *sent;
        }
        break;
      }
      default: {
        Result<std::optional<size_t>> written = slot.socket->write(payload, len);
        if (outcome(written, slot, "write")) {
          const size_t n = written->value_or(0);
          FUZZ_CHECK(n <= len, "write returned %zu of %zu", n, len);
          if (tcp) slot.sent += n;
        } else if (tcp) {
          in_sync_ = false;  // mp_stream_rw drops the count written before an error
        }
        break;
      }
    }
  }

  void receive_kind(Slot& slot, int kind) {
    const size_t len = pick_length();
    TRACE("  receive kind %d, up to %zu bytes at offset %llu\n", kind, len,
          static_cast<unsigned long long>(slot.received));
    switch (kind) {
      case 0:
      case 1: {
        const int flags = in_.ConsumeIntegralInRange<int>(0, 3);  // MSG_PEEK, MSG_DONTWAIT
        Endpoint from;
        Result<size_t> got = kind == 0 ? slot.socket->recv(received, len, flags)
                                       : slot.socket->recvfrom(received, len, flags, &from);
        if (outcome(got, slot, kind == 0 ? "recv" : "recvfrom")) {
          FUZZ_CHECK(*got <= len, "recv returned %zu of %zu", *got, len);
          if (slot.socket->type() == MP_SOCK_STREAM) {
            FUZZ_CHECK(*got <= slot.socket->limits().tcp_mss,
                       "recv returned more than one segment");
          }
          check_received(slot, received, *got, (flags & MP_MSG_PEEK) == 0);
        }
        break;
      }
      case 2: {
        Result<std::optional<size_t>> got = slot.socket->read(received, len);
        if (outcome(got, slot, "read")) {
          FUZZ_CHECK(got->value_or(0) <= len, "read returned more than asked");
          // On UDP, read() strings datagrams together: only a stream has one pattern.
          if (slot.socket->type() == MP_SOCK_STREAM)
            check_received(slot, received, got->value_or(0), true);
        } else {
          in_sync_ = false;  // bytes read before the error are lost, as in mp_stream_rw
        }
        break;
      }
      default: {
        const int64_t max = in_.ConsumeBool() ? -1 : static_cast<int64_t>(len);
        Result<std::optional<std::string>> line = slot.socket->readline(max);
        if (outcome(line, slot, "readline") && line->has_value()) {
          const std::string& text = **line;
          FUZZ_CHECK(max < 0 || text.size() <= static_cast<size_t>(max), "readline past its limit");
          if (slot.socket->type() == MP_SOCK_STREAM) {
            check_received(slot, reinterpret_cast<const uint8_t*>(text.data()), text.size(), true);
          }
        } else if (!line.ok()) {
          in_sync_ = false;
        }
        break;
      }
    }
  }

  // Another thread closes the socket while this one is (or is about to be) blocked on it.
  void close_while_blocked(Slot& slot) {
    std::shared_ptr<Socket> socket = slot.socket;
    const auto delay = std::chrono::microseconds(in_.ConsumeIntegralInRange<int>(0, 3000));
    closers_.emplace_back([socket, delay] {
      std::this_thread::sleep_for(delay);
      socket->close();
    });
    socket->set_timeout_ms(kMaxTimeoutMs);
    if (in_.ConsumeBool()) {
      receive_kind(slot, in_.ConsumeIntegralInRange<int>(0, 3));
    } else if (socket->type() == MP_SOCK_STREAM && in_.ConsumeBool()) {
      (void)outcome(socket->accept(), slot, "accept");
    } else {
      send_kind(slot, in_.ConsumeIntegralInRange<int>(0, 3));
    }
  }

  void set_an_option(Slot& slot) {
    static constexpr int kOptions[] = {MP_SO_REUSEADDR, MP_SO_BROADCAST, MP_TCP_NODELAY,
                                       MP_SO_RCVTIMEO, MP_SO_SNDTIMEO};
    const int option = in_.PickValueInArray(kOptions);
    // A timeout option of 0 would mean "block forever": keep it short.
    const int64_t value = (option == MP_SO_RCVTIMEO || option == MP_SO_SNDTIMEO)
                              ? in_.ConsumeIntegralInRange<int64_t>(1, kMaxTimeoutMs)
                              : in_.ConsumeIntegral<int64_t>();
    (void)outcome(slot.socket->set_option(MP_SOL_SOCKET, option, value), slot, "setsockopt");
  }

  // The link between the camera and the world: conditions, up or down, a fault to come. A
  // lost TCP segment is only delayed, so streams must still arrive intact and in order.
  void change_the_link() {
    switch (in_.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: {
        LinkConditions conditions;
        conditions.latency_ms = in_.ConsumeIntegralInRange<int>(0, 3);
        conditions.jitter_ms = in_.ConsumeIntegralInRange<int>(0, 1);
        conditions.bandwidth_bps = in_.ConsumeBool() ? 0.0 : 1e6 * in_.ConsumeIntegralInRange<int>(1, 1000);
        conditions.loss = in_.ConsumeIntegralInRange<int>(0, 50) / 100.0;
        conditions.seed = in_.ConsumeIntegral<uint8_t>();
        TRACE("  link: latency %.0f ms, jitter %.0f ms, %.0f bit/s, loss %.2f\n", conditions.latency_ms,
              conditions.jitter_ms, conditions.bandwidth_bps, conditions.loss);
        FUZZ_CHECK(stack_->set_conditions(conditions));
        break;
      }
      case 1: {
        const bool up = in_.ConsumeBool();
        TRACE("  link: %s\n", up ? "up" : "down");
        stack_->set_link_up(up);
        break;
      }
      default: {
        Fault fault;
        fault.kind = in_.ConsumeBool() ? Fault::Kind::reset : Fault::Kind::close;
        if (in_.ConsumeBool()) {
          fault.at_ms = in_.ConsumeIntegralInRange<int64_t>(0, 3);
        } else {
          fault.at_bytes = in_.ConsumeIntegralInRange<uint64_t>(0, 200'000);
        }
        TRACE("  link: fault %s\n", fault.kind == Fault::Kind::reset ? "reset" : "close");
        stack_->add_fault(fault);
        faults_added_ = true;
        break;
      }
    }
  }

  // ---- Blocking calls against native peers ----

  // A blocking call with nothing to cut it short but what it waits for. The link is up and
  // lossless for it, plain or shaped as users shape it, so it must return; with the ACKs
  // landing where the input says.
  void blocking_exchange() {
    stack_->set_link_up(true);
    LinkConditions conditions;
    switch (in_.ConsumeIntegralInRange<int>(0, 2)) {
      case 1:
        conditions.latency_ms = 1;
        break;
      case 2:
        conditions.bandwidth_bps = 100e6;
        break;
      default:
        break;
    }
    FUZZ_CHECK(stack_->set_conditions(conditions));
    schedule_acks();
    const size_t total = in_.ConsumeIntegralInRange<size_t>(1, kMaxPayload);
    const bool slow = in_.ConsumeBool();
    switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        upload(total, slow);
        break;
      case 1:
        download(total, slow);
        break;
      case 2:
        datagram(std::min(total, size_t{1400}), slow);
        break;
      default:
        accept_one(slow);
        break;
    }
  }

  void schedule_acks() {
    const uint32_t held = in_.ConsumeIntegral<uint32_t>();
    const int looks = in_.ConsumeIntegralInRange<int>(0, 32);
    TRACE("  acks: of the next %d looks, those in 0x%x see the buffer full\n", looks, held);
    acks_->set(held, looks);
  }

  // A blocking TCP client of the stack, connected to `port`; nullptr when the stack has no pcb
  // left or the connect failed (an injected fault, say).
  std::shared_ptr<Socket> blocking_client(uint16_t port) {
    Result<std::shared_ptr<Socket>> opened = stack_->open_socket(MP_AF_INET, MP_SOCK_STREAM, 0);
    if (!succeeded(opened, "socket")) return nullptr;
    std::shared_ptr<Socket> socket = *opened;
    socket->set_timeout_ms(-1);
    Watchdog watchdog("a blocking connect");
    if (!succeeded(socket->connect(Endpoint{IpAddress::loopback(MP_AF_INET), port}), "connect"))
      return nullptr;
    return socket;
  }

  // The script sends `total` bytes with blocking calls to a native reader, then closes once
  // the reader has them: every byte arrives, once, in order.
  void upload(size_t total, bool slow) {
    ByteCount read;
    bool intact = true;
    NativeTcpPeer peer([&](int fd) {
      uint8_t buf[65536];
      for (;;) {
        const ssize_t n = ::recv(fd, buf, slow ? 512 : sizeof(buf), 0);
        if (n <= 0) break;
        const size_t offset = read.now();
        for (ssize_t i = 0; i < n; ++i) intact = intact && buf[i] == pattern_byte(offset + i);
        read.add(static_cast<size_t>(n));
        if (slow) std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      read.finish();
    });
    std::shared_ptr<Socket> socket = blocking_client(peer.port());
    if (!socket) return;
    fill_pattern(0, total);
    const int kind = in_.ConsumeIntegralInRange<int>(0, 2);
    TRACE("  blocking upload of %zu bytes (kind %d) to a %s reader\n", total, kind,
          slow ? "slow" : "fast");
    size_t sent = 0;
    bool failed = false;
    {
      Watchdog watchdog("a blocking send to a reading peer");
      if (kind == 0) {
        Status status = socket->sendall(payload, total);
        failed = !succeeded(status, "sendall");
        if (!failed) sent = total;
      } else if (kind == 1) {
        Result<std::optional<size_t>> written = socket->write(payload, total);
        failed = !succeeded(written, "write");
        if (!failed) sent = written->value_or(0);
      } else {
        while (sent < total && !failed) {
          Result<size_t> n = socket->send(payload + sent, total - sent);
          failed = !succeeded(n, "send");
          if (!failed) sent += *n;
        }
      }
    }
    FUZZ_CHECK(failed || sent == total, "a blocking send returned early: %zu of %zu", sent, total);
    if (!failed) {
      // Over a shaped link the network thread moves the rest while nothing calls in.
      Watchdog watchdog("the link carrying a finished send");
      const size_t got = read.wait_for(total);
      FUZZ_CHECK(got == total || faults_added_, "the reader got %zu of %zu bytes", got, total);
    }
    socket->close();
    peer.join();
    FUZZ_CHECK(intact, "the reader got bytes out of order or corrupt");
    FUZZ_CHECK(read.now() <= total, "the reader got %zu bytes of %zu sent", read.now(), total);
  }

  // A native sender sends `total` bytes and closes; the script reads them with blocking calls.
  void download(size_t total, bool slow) {
    NativeTcpPeer peer([&](int fd) {
      uint8_t buf[16384];
      for (size_t offset = 0; offset < total;) {
        const size_t n = std::min<size_t>(slow ? 700 : sizeof(buf), total - offset);
        for (size_t i = 0; i < n; ++i) buf[i] = pattern_byte(offset + i);
        const ssize_t sent = ::send(fd, buf, n, MSG_NOSIGNAL);
        if (sent <= 0) return;
        offset += static_cast<size_t>(sent);
        if (slow) std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    });
    std::shared_ptr<Socket> socket = blocking_client(peer.port());
    if (!socket) return;
    const bool stream_read = in_.ConsumeBool();
    TRACE("  blocking download of %zu bytes (%s) from a %s sender\n", total,
          stream_read ? "read" : "recv", slow ? "slow" : "fast");
    size_t got = 0;
    {
      Watchdog watchdog("a blocking receive from a sending peer");
      while (got < total) {
        Result<size_t> n = Error::os(MP_EIO);
        if (stream_read) {
          Result<std::optional<size_t>> read =
              socket->read(received, std::min(total - got, kMaxPayload));
          if (!succeeded(read, "read")) break;
          n = read->value_or(0);
        } else {
          n = socket->recv(received, std::min(total - got, kMaxPayload), 0);
          if (!succeeded(n, "recv")) break;
        }
        if (*n == 0) break;
        for (size_t i = 0; i < *n; ++i) {
          FUZZ_CHECK(received[i] == pattern_byte(got + i),
                     "downloaded byte %zu corrupt or out of order", got + i);
        }
        got += *n;
      }
    }
    FUZZ_CHECK(got == total || faults_added_, "the script read %zu of %zu bytes", got, total);
    socket->close();
    peer.join();
  }

  // A native sender's datagram reaches a blocking receive, whenever it comes.
  void datagram(size_t size, bool late) {
    Result<std::shared_ptr<Socket>> opened = stack_->open_socket(MP_AF_INET, MP_SOCK_DGRAM, 0);
    if (!succeeded(opened, "socket")) return;
    std::shared_ptr<Socket> socket = *opened;
    socket->set_timeout_ms(-1);
    if (!succeeded(socket->bind(Endpoint{IpAddress::loopback(MP_AF_INET), 0}), "bind")) return;
    Result<Endpoint> local = socket->local_endpoint();
    if (!succeeded(local, "local_endpoint")) return;
    TRACE("  blocking receive of a %zu-byte datagram\n", size);
    fill_pattern(0, size);
    const sockaddr_in to = native_loopback(local->port);
    std::thread sender([&] {
      if (late) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ::sendto(fd, payload, size, 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
      ::close(fd);
    });
    Result<size_t> got = Error::os(MP_EIO);
    {
      Watchdog watchdog("a blocking UDP receive");
      got = socket->recv(received, kMaxPayload, 0);
    }
    sender.join();
    if (succeeded(got, "recv")) {
      FUZZ_CHECK(*got == size, "the datagram arrived with %zu of %zu bytes", *got, size);
      check_datagram(received, *got);
    }
    socket->close();
  }

  // A native client's connection reaches a blocking accept, whenever it comes.
  void accept_one(bool late) {
    const Profile profile = stack_->profile();
    // lwIP refuses a connection it has no pcb for: then there is nothing to accept.
    if (profile.tcp_pcbs != Profile::unlimited &&
        stack_->pcbs_in_use(PcbKind::tcp) >= profile.tcp_pcbs)
      return;
    Result<std::shared_ptr<Socket>> opened = stack_->open_socket(MP_AF_INET, MP_SOCK_STREAM, 0);
    if (!succeeded(opened, "socket")) return;
    std::shared_ptr<Socket> listener = *opened;
    listener->set_timeout_ms(-1);
    if (!succeeded(listener->bind(Endpoint{IpAddress::loopback(MP_AF_INET), 0}), "bind")) return;
    if (!succeeded(listener->listen(1), "listen")) return;
    Result<Endpoint> local = listener->local_endpoint();
    if (!succeeded(local, "local_endpoint")) return;
    TRACE("  blocking accept\n");
    const sockaddr_in to = native_loopback(local->port);
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::thread connector([&] {
      if (late) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      ::connect(client, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    });
    Result<Accepted> accepted = Error::os(MP_EIO);
    {
      Watchdog watchdog("a blocking accept");
      accepted = listener->accept();
    }
    connector.join();
    if (succeeded(accepted, "accept")) accepted->socket->close();
    ::close(client);
    listener->close();
  }

  void check_datagram(const uint8_t* data, size_t n) {
    for (size_t i = 0; i < n; ++i)
      FUZZ_CHECK(data[i] == pattern_byte(i), "datagram byte %zu corrupt", i);
  }

  void step() {
    Slot& slot = pick_slot();
    const int op = in_.ConsumeIntegralInRange<int>(0, 20);
    TRACE("slot %zu op %d%s\n", index_of(slot), op, slot.socket ? "" : " (empty: opens)");
    if (op == 0 || !slot.socket) {
      open(slot);
      return;
    }
    Socket& socket = *slot.socket;
    switch (op) {
      case 1:
        (void)outcome(socket.bind(pick_endpoint(socket.family())), slot, "bind");
        break;
      case 2:
        (void)outcome(socket.listen(in_.ConsumeIntegralInRange<int>(-1, 4)), slot, "listen");
        break;
      case 3: {
        Result<Accepted> accepted = socket.accept();
        if (outcome(accepted, slot, "accept")) {
          FUZZ_CHECK(accepted->socket != nullptr, "accept returned no socket");
          Slot& target = pick_slot();
          target = Slot();
          target.socket = accepted->socket;
          target.socket->set_timeout_ms(pick_timeout());
        }
        break;
      }
      case 4:
        (void)outcome(socket.connect(pick_endpoint(socket.family())), slot, "connect");
        break;
      case 5:
        send_kind(slot, in_.ConsumeIntegralInRange<int>(0, 3));
        break;
      case 6:
        receive_kind(slot, in_.ConsumeIntegralInRange<int>(0, 3));
        break;
      case 7:
        socket.set_timeout_ms(pick_timeout());
        break;
      case 8:
        set_an_option(slot);
        break;
      case 9:
        socket.close();
        break;
      case 10:
        slot = Slot();  // the script drops its last reference
        break;
      case 11:
        close_while_blocked(slot);
        break;
      case 12: {
        const int requested = in_.ConsumeIntegralInRange<int>(0, 0x3f);
        const int events = socket.poll(requested);
        FUZZ_CHECK((events & ~(requested | MP_POLLERR | MP_POLLHUP | MP_POLLNVAL)) == 0,
                   "poll(0x%x) reported 0x%x", requested, events);
        break;
      }
      case 13:
        (void)succeeded(stack_->sleep_ms(in_.ConsumeIntegralInRange<int64_t>(0, 2)), "sleep_ms");
        break;
      case 14: {
        // Remember a port with nothing behind it, for connects that must fail.
        Result<Endpoint> local = socket.local_endpoint();
        if (local.ok() && local->port != 0) closed_port_ = local->port;
        (void)socket.repr();
        (void)socket.peer_endpoint();
        break;
      }
      case 15:
        change_the_link();
        break;
      case 16:
        blocking_exchange();
        break;
      case 17:
        schedule_acks();
        break;
      default:
        receive_kind(slot, in_.ConsumeIntegralInRange<int>(0, 3));
        break;
    }
  }

  FuzzedDataProvider& in_;
  std::shared_ptr<Stack> stack_;
  std::array<Slot, kSlots> slots_;
  std::vector<std::thread> closers_;
  uint16_t closed_port_ = 9;
  bool in_sync_ = true;        // whether every stream's offsets are still known
  bool faults_added_ = false;  // a reset or close may yet cut a connection short
  std::shared_ptr<AckSchedule> acks_ = std::make_shared<AckSchedule>();
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The calling thread's wake-up descriptor lives as long as the thread: open it first.
  auto stack = Stack::create(fast_closing(default_profile()));
  (void)stack->sleep_ms(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // Counted per input: between inputs libFuzzer itself may open some (its symbolizer).
  const int descriptors = open_descriptors();
  {
    const std::vector<Profile>& profiles = builtin_profiles();
    Profile profile = profiles[in.ConsumeIntegralInRange<size_t>(0, profiles.size() - 1)];
    const MicroPythonVersion release{1, in.ConsumeIntegralInRange<int>(kOldestFollowed.minor, kNewestFollowed.minor), 0};
    profile = *with_firmware(profile, release);
    if (!profile.loopback) profile.loopback = in.ConsumeBool();
    Session session(in, profile);
    session.run();
    session.finish();
  }
  check_descriptors(descriptors);
  return 0;
}
