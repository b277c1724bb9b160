// The shortcuts a call takes when the kernel can satisfy it at once (a connect the kernel
// settles in connect(2), a close with no turn of the loop), and what they must still do when
// it cannot.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "mpsock/poller.h"
#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;

// A native listener whose accept queue is full: the kernel drops the next SYN, and the
// client's TCP sends it again after a second (Linux's initial RTO).
struct FullListener {
  Fd listener = tcp_listener(0);
  uint16_t port = local_port(listener.get());
  Fd queued = tcp_connect(port);  // the one connection a backlog of 0 holds
};

TEST(FastPath, ConnectTheKernelSettlesLaterStillCompletesAfterItsTimeout) {
  FullListener full;
  ASSERT_TRUE(full.queued.get() >= 0);
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(200);
  Status connected = s->connect(endpoint(full.port));
  ASSERT_FALSE(connected);
  EXPECT_TRUE(connected.error().is_os(MP_ETIMEDOUT)) << connected.error().code;
  // The attempt goes on: once the queue has room, the retried SYN gets through and the
  // connection shows as POLLOUT to a poll that waits for it.
  Fd first = tcp_accept(full.listener.get());
  ASSERT_TRUE(first.get() >= 0);
  Poller poller(stack);
  poller.add_socket(1, s, MP_POLLOUT);
  auto ready = poller.poll(5000, false);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].events, MP_POLLOUT);
  auto peer = s->peer_endpoint();
  ASSERT_TRUE(peer);
  EXPECT_EQ(peer->port, full.port);
  EXPECT_TRUE(tcp_accept(full.listener.get()).get() >= 0);
}

TEST(FastPath, BlockingConnectWaitsForAHandshakeTheKernelSettlesLater) {
  FullListener full;
  ASSERT_TRUE(full.queued.get() >= 0);
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  std::thread make_room([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Fd first = tcp_accept(full.listener.get());
  });
  const auto start = std::chrono::steady_clock::now();
  Status connected = s->connect(endpoint(full.port));
  make_room.join();
  ASSERT_TRUE(connected) << connected.error().code;
  // It waited for the SYN's retransmission, not for nothing.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  const std::string ping = "ping";
  ASSERT_TRUE(s->send(reinterpret_cast<const uint8_t*>(ping.data()), ping.size()));
  Fd accepted = tcp_accept(full.listener.get());
  ASSERT_TRUE(accepted.get() >= 0);
  EXPECT_EQ(recv_exactly(accepted.get(), 4), "ping");
}

// On loopback the kernel has the handshake done when connect(2) returns: the blocking connect
// returns without a turn of the loop (the turn is what costs it epoll_ctl and epoll_wait).
TEST(FastPath, BlockingConnectTheKernelSettlesAtOnceRunsNoTurn) {
  for (const char* name : {"desktop", "openmv-rt1062"}) {
    SCOPED_TRACE(name);
    Fd listener = tcp_listener();
    const uint16_t port = local_port(listener.get());
    auto stack = Stack::create(*find_profile(name));
    auto s = open(stack, MP_SOCK_STREAM);
    s->set_timeout_ms(2000);
    const uint64_t before = turns_of(*stack);
    Status connected = s->connect(endpoint(port));
    ASSERT_TRUE(connected) << connected.error().code;
    EXPECT_EQ(turns_of(*stack), before);
    // Connected all the same: the peer gets what is sent.
    const std::string ping = "ping";
    ASSERT_TRUE(s->send(reinterpret_cast<const uint8_t*>(ping.data()), ping.size()));
    Fd accepted = tcp_accept(listener.get());
    ASSERT_TRUE(accepted.get() >= 0);
    EXPECT_EQ(recv_exactly(accepted.get(), 4), "ping");
  }
}

TEST(FastPath, RefusedDirectConnectIsConnReset) {
  uint16_t port = 0;
  {
    Fd closed = tcp_listener();
    port = local_port(closed.get());
  }
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(2000);
  Status connected = s->connect(endpoint(port));
  ASSERT_FALSE(connected);
  EXPECT_TRUE(connected.error().is_os(MP_ECONNRESET)) << connected.error().code;
}

// Under a camera profile a receive reads the loop's share itself (a window's worth, queued):
// a reset that read meets is the connection's error, reported once, not lost.
TEST(FastPath, ResetMetByTheReceivesOwnReadIsReported) {
  Connected c;  // the default profile, a camera's
  ASSERT_TRUE(c.ok());
  c.client->set_timeout_ms(5000);
  ASSERT_TRUE(send_all(c.server.get(), std::string(3000, 'x')));
  uint8_t buf[1000];
  auto first = c.client->recv(buf, sizeof(buf), 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, c.client->limits().tcp_mss);
  reset_close(c.server);
  int error = 0;
  for (int i = 0; i < 20 && error == 0; ++i) {
    auto got = c.client->recv(buf, sizeof(buf), 0);
    if (!got) error = got.error().code;
  }
  EXPECT_EQ(error, MP_ECONNRESET);
  auto after = c.client->recv(buf, sizeof(buf), 0);
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, 0u);  // then EOF
}

// A sender waiting for ACKs looks again on its own a few times, soon, then leaves it to the
// ACK check (which here never runs: nothing arms it), and sleeps out its deadline.
TEST(FastPath, AWaitForAcksLooksAgainSoonAFewTimesThenSleeps) {
  auto stack = Stack::create();
  std::unique_lock<std::mutex> lock(stack->mutex());
  int looks = 0;
  const auto start = std::chrono::steady_clock::now();
  const WaitOutcome outcome = stack->wait_for_acks(lock, Deadline::after_ms(300), [&] {
    ++looks;
    return false;
  });
  EXPECT_EQ(outcome, WaitOutcome::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  // The first look, one after each of 50, 100, 200, 400 and 800 us, and the last at the
  // deadline; no more.
  EXPECT_EQ(looks, 7);
  // A plain wait looks first and at the deadline, and sleeps in between.
  looks = 0;
  stack->wait(lock, Deadline::after_ms(20), [&] {
    ++looks;
    return false;
  });
  EXPECT_EQ(looks, 2);
}

int handles_in(Stack& stack) {
  std::lock_guard<std::mutex> guard(stack.mutex());
  int count = 0;
  uv_walk(stack.loop(), [](uv_handle_t*, void* arg) { ++*static_cast<int*>(arg); }, &count);
  return count;
}

TEST(FastPath, SocketsClosedWithoutAWaitAreFreedAtOnce) {
  auto stack = Stack::create();
  const int before = handles_in(*stack);
  for (int i = 0; i < 100; ++i) {
    auto s = open(stack, MP_SOCK_DGRAM);
    ASSERT_TRUE(s->bind(endpoint(0)));
    s->close();
  }
  // No call ever waited: each close ran the turn that frees its handle (the handle's socket
  // holds the stack, so a handle left for a later turn could keep both alive for good).
  EXPECT_EQ(handles_in(*stack) - before, 0);
}

// A connection closed with nothing in flight lets go of itself in the close: no turn of the
// loop per close (an epoll_wait each), one per Stack::kClosesPerTurn closes to free the
// handles waiting for it, and nothing keeps the socket or its stack alive meanwhile.
TEST(FastPath, ConnectionsClosedWithNothingInFlightRunNoTurnEach) {
  Fd listener = tcp_listener();
  const uint16_t port = local_port(listener.get());
  auto stack = Stack::create(*find_profile("desktop"));
  const int handles_before = handles_in(*stack);
  const uint64_t turns_before = turns_of(*stack);
  for (int i = 0; i < 2 * Stack::kClosesPerTurn + 1; ++i) {
    auto s = open(stack, MP_SOCK_STREAM);
    ASSERT_TRUE(s->connect(endpoint(port)));
    s->close();
    EXPECT_LE(handles_in(*stack) - handles_before, Stack::kClosesPerTurn);
    Fd accepted = tcp_accept(listener.get());
    ASSERT_TRUE(accepted.get() >= 0);
  }
  EXPECT_EQ(turns_of(*stack) - turns_before, 2u);
  // The last close left its handle for a later turn; the stack goes all the same.
  std::weak_ptr<Stack> weak = stack;
  auto s = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(s->connect(endpoint(port)));
  s->close();
  s.reset();
  stack.reset();
  EXPECT_TRUE(weak.expired());
}

// The kernel socket that carries an emulated connection, found by its local port; -1 if none.
int kernel_socket_of(Socket& connection) {
  auto local = connection.local_endpoint();
  if (!local) return -1;
  for (int fd = 3; fd < 1024; ++fd) {
    sockaddr_storage name{};
    socklen_t length = sizeof(name);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&name), &length) != 0) continue;
    if (name.ss_family != AF_INET) continue;
    int type = 0;
    socklen_t type_length = sizeof(type);
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_length);
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof(peer);
    if (type == SOCK_STREAM && ntohs(reinterpret_cast<sockaddr_in*>(&name)->sin_port) == local->port &&
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0) {
      return fd;
    }
  }
  return -1;
}

int no_delay(int fd) {
  int on = -1;
  socklen_t length = sizeof(on);
  getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &length);
  return on;
}

// An emulated listener's connection from a native client: `server` listens, the client
// connects, the listener accepts. `accepted_fd` is the kernel socket under `accepted`, found
// by the client's port; null and -1 when a step failed.
struct AcceptedClient {
  Fd client;
  std::shared_ptr<Socket> accepted;
  int accepted_fd = -1;
};

AcceptedClient accept_native_client(Socket& server) {
  AcceptedClient result;
  if (!server.bind(endpoint(0)) || !server.listen(1)) return result;
  auto server_port = server.local_endpoint();
  if (!server_port) return result;
  result.client = tcp_connect(server_port->port);
  if (result.client.get() < 0) return result;
  server.set_timeout_ms(5000);
  auto accepted = server.accept();
  if (!accepted) return result;
  result.accepted = accepted->socket;
  const int client_port = local_port(result.client.get());
  for (int fd = 3; fd < 1024; ++fd) {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    if (fd != result.client.get() && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0 &&
        peer.ss_family == AF_INET && ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port) == client_port) {
      result.accepted_fd = fd;
      break;
    }
  }
  return result;
}

// Under a camera profile the host connection sends at once (no Nagle) from its first write,
// and spends no system call on it before: a connection that never sends has it off; one
// accepted by an emulated listener has it from the listener.
TEST(FastPath, UnderACameraProfileTheHostConnectionSendsAtOnce) {
  Fd listener = tcp_listener();
  const uint16_t port = local_port(listener.get());
  auto stack = Stack::create(*find_profile("openmv-rt1062"));
  auto s = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(s->connect(endpoint(port)));
  const int fd = kernel_socket_of(*s);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(no_delay(fd), 0);
  const std::string ping = "ping";
  ASSERT_TRUE(s->send(reinterpret_cast<const uint8_t*>(ping.data()), ping.size()));
  EXPECT_NE(no_delay(fd), 0);

  auto server = open(stack, MP_SOCK_STREAM);
  AcceptedClient connection = accept_native_client(*server);
  ASSERT_TRUE(connection.accepted);
  ASSERT_GE(connection.accepted_fd, 0);
  EXPECT_NE(no_delay(connection.accepted_fd), 0);
}

// Under the desktop profile, whose segments are loopback's, the kernel's Nagle is lwIP's: it
// stays on through writes, and the script's TCP_NODELAY turns it off and on again, on a
// connection and on a listener's accepted ones.
TEST(FastPath, UnderTheDesktopProfileTheKernelNagleFollowsTcpNodelay) {
  Fd listener = tcp_listener();
  const uint16_t port = local_port(listener.get());
  auto stack = Stack::create(*find_profile("desktop"));
  auto s = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(s->connect(endpoint(port)));
  const int fd = kernel_socket_of(*s);
  ASSERT_GE(fd, 0);
  const std::string ping = "ping";
  ASSERT_TRUE(s->send(reinterpret_cast<const uint8_t*>(ping.data()), ping.size()));
  EXPECT_EQ(no_delay(fd), 0);
  ASSERT_TRUE(s->set_option(MP_IPPROTO_TCP, MP_TCP_NODELAY, OptionValue{int64_t{1}}));
  EXPECT_NE(no_delay(fd), 0);
  ASSERT_TRUE(s->send(reinterpret_cast<const uint8_t*>(ping.data()), ping.size()));
  EXPECT_NE(no_delay(fd), 0);
  ASSERT_TRUE(s->set_option(MP_IPPROTO_TCP, MP_TCP_NODELAY, OptionValue{int64_t{0}}));
  EXPECT_EQ(no_delay(fd), 0);

  auto server = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(server->set_option(MP_IPPROTO_TCP, MP_TCP_NODELAY, OptionValue{int64_t{1}}));
  AcceptedClient connection = accept_native_client(*server);
  ASSERT_TRUE(connection.accepted);
  ASSERT_GE(connection.accepted_fd, 0);
  // The accepted socket's own option is off (the emulator does not pass the listener's on);
  // the kernel's accepted socket inherited the listener's, and the first write matches it.
  ASSERT_TRUE(connection.accepted->send(reinterpret_cast<const uint8_t*>(ping.data()), ping.size()));
  EXPECT_EQ(no_delay(connection.accepted_fd), 0);
}

}  // namespace
}  // namespace mpsock
