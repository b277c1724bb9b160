// The firmware's errno for each TCP failure (docs/firmware-behaviour.md §5).
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;

uint16_t unused_port() {
  Fd listener = tcp_listener();
  return local_port(listener.get());  // closed on return: nothing listens there
}

int recv_errno(Socket& s) {
  uint8_t buf[16];
  auto got = s.recv(buf, sizeof(buf), 0);
  return got ? -static_cast<int>(*got) : got.error().code;  // -0 == 0 means EOF
}


TEST(TcpErrors, RefusedConnectIsConnReset) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  Status connected = s->connect(endpoint(unused_port()));
  ASSERT_FALSE(connected);
  EXPECT_TRUE(connected.error().is_os(MP_ECONNRESET));
  // The pcb is gone: connecting again is EBADF.
  EXPECT_TRUE(s->connect(endpoint(unused_port())).error().is_os(MP_EBADF));
}

TEST(TcpErrors, EverythingAfterCloseIsBadf) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  s->close();
  s->close();  // harmless
  uint8_t buf[4] = {0};
  EXPECT_TRUE(s->connect(endpoint(80)).error().is_os(MP_EBADF));
  EXPECT_TRUE(s->bind(endpoint(0)).error().is_os(MP_EBADF));
  EXPECT_TRUE(s->listen(1).error().is_os(MP_EBADF));
  EXPECT_TRUE(s->accept().error().is_os(MP_EBADF));
  EXPECT_TRUE(s->send(buf, 4).error().is_os(MP_EBADF));
  EXPECT_TRUE(s->recv(buf, 4, 0).error().is_os(MP_EBADF));
  EXPECT_TRUE(s->sendall(buf, 4).error().is_os(MP_EBADF));
  EXPECT_EQ(s->poll(MP_POLLIN | MP_POLLOUT), MP_POLLNVAL);
}

TEST(TcpErrors, RecvOnListenerOrNewSocketIsNotConn) {
  auto stack = Stack::create();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(1));
  EXPECT_EQ(recv_errno(*listener), MP_ENOTCONN);
  auto fresh = open(stack, MP_SOCK_STREAM);
  EXPECT_EQ(recv_errno(*fresh), MP_ENOTCONN);
  uint8_t buf[1] = {'x'};
  EXPECT_TRUE(fresh->send(buf, 1).error().is_os(MP_ENOTCONN));
}

TEST(TcpErrors, AcceptWaitsByTheTimingRules) {
  auto stack = Stack::create();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(1));
  listener->set_timeout_ms(0);
  EXPECT_TRUE(listener->accept().error().is_os(MP_EAGAIN));
  listener->set_timeout_ms(100);
  const auto start = Clock::now();
  EXPECT_TRUE(listener->accept().error().is_os(MP_ETIMEDOUT));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(100));
}

TEST(TcpErrors, AcceptOnAConnectionIsInval) {
  Connected c;
  EXPECT_TRUE(c.client->accept().error().is_os(MP_EINVAL));
}

TEST(TcpErrors, RecvTimeoutAndNonBlocking) {
  Connected c;
  c.client->set_timeout_ms(0);
  EXPECT_EQ(recv_errno(*c.client), MP_EAGAIN);
  c.client->set_timeout_ms(50);
  EXPECT_EQ(recv_errno(*c.client), MP_ETIMEDOUT);
  c.client->set_timeout_ms(-1);
  uint8_t buf[4];
  EXPECT_TRUE(c.client->recv(buf, 4, MP_MSG_DONTWAIT).error().is_os(MP_EAGAIN));
}

TEST(TcpErrors, NonBlockingConnectIsInProgressThenWritable) {
  // A handshake slower than the connect's one poll (here the link's 20 ms) is in progress.
  auto stack = Stack::create();
  LinkConditions slow;
  slow.latency_ms = 20;
  ASSERT_TRUE(stack->set_conditions(slow));
  Fd listener = tcp_listener();
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(0);
  Status connected = s->connect(endpoint(local_port(listener.get())));
  ASSERT_FALSE(connected);
  EXPECT_TRUE(connected.error().is_os(MP_EINPROGRESS));
  Poller poller(stack);
  poller.add_socket(1, s, MP_POLLOUT);
  auto ready = poller.poll(5000, false);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].events, MP_POLLOUT);
  EXPECT_TRUE(s->connect(endpoint(local_port(listener.get()))).error().is_os(MP_EISCONN));
}

TEST(TcpErrors, ConnectWhileConnectingIsAlready) {
  auto stack = Stack::create();
  Unanswering nobody;
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(0);
  ASSERT_TRUE(s->connect(endpoint(nobody.port())).error().is_os(MP_EINPROGRESS));
  EXPECT_TRUE(s->connect(endpoint(nobody.port())).error().is_os(MP_EALREADY));
}

TEST(TcpErrors, PeerResetIsReportedOnceThenEof) {
  Connected c;
  reset_close(c.server);
  EXPECT_EQ(recv_errno(*c.client), MP_ECONNRESET);
  EXPECT_EQ(recv_errno(*c.client), 0);
  EXPECT_EQ(recv_errno(*c.client), 0);
}

TEST(TcpErrors, SendAfterResetReportsOnceThenBadf) {
  Connected c;
  reset_close(c.server);
  // Let the reset arrive.
  c.client->set_timeout_ms(2000);
  Poller poller(c.stack);
  poller.add_socket(1, c.client, MP_POLLIN);
  ASSERT_TRUE(poller.poll(5000, false));
  uint8_t buf[1] = {'x'};
  EXPECT_TRUE(c.client->send(buf, 1).error().is_os(MP_ECONNRESET));
  EXPECT_TRUE(c.client->send(buf, 1).error().is_os(MP_EBADF));
}

TEST(TcpErrors, BindToAPortInUse) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto s = open(stack, MP_SOCK_STREAM);
  Status bound = s->bind(endpoint(local_port(listener.get())));
  ASSERT_FALSE(bound);
  EXPECT_TRUE(bound.error().is_os(MP_EADDRINUSE));
}

TEST(TcpErrors, BindTwiceIsInval) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(s->bind(endpoint(0)));
  EXPECT_TRUE(s->bind(endpoint(0)).error().is_os(MP_EINVAL));
}

TEST(TcpErrors, ClosingWithUnreadDataResetsThePeer) {
  Connected c;
  ASSERT_TRUE(send_all(c.server.get(), "unread"));
  // Wait until the data reached the emulator's queue.
  Poller poller(c.stack);
  poller.add_socket(1, c.client, MP_POLLIN);
  ASSERT_TRUE(poller.poll(5000, false));
  c.client->close();
  ASSERT_TRUE(c.stack->sleep_ms(20));
  char buf[8];
  errno = 0;
  const ssize_t n = ::recv(c.server.get(), buf, sizeof(buf), 0);
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, ECONNRESET);
}

TEST(TcpErrors, GracefulCloseIsEofForThePeer) {
  Connected c;
  uint8_t data[3] = {'b', 'y', 'e'};
  ASSERT_EQ(*c.client->send(data, 3), 3u);
  c.client->close();
  ASSERT_TRUE(c.stack->sleep_ms(10));
  EXPECT_EQ(recv_exactly(c.server.get(), 10), "bye");
}

TEST(TcpErrors, ClosingAListenerResetsQueuedConnections) {
  auto stack = Stack::create();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(2));
  Fd client = tcp_connect(listener->local_endpoint()->port);
  ASSERT_GE(client.get(), 0);
  Poller poller(stack);
  poller.add_socket(1, listener, MP_POLLIN);
  auto ready = poller.poll(5000, false);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  listener->close();
  ASSERT_TRUE(stack->sleep_ms(20));
  char buf[8];
  errno = 0;
  EXPECT_EQ(::recv(client.get(), buf, sizeof(buf), 0), -1);
  EXPECT_EQ(errno, ECONNRESET);
}

TEST(TcpErrors, UdpHasNoListenOrAccept) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_DGRAM);
  EXPECT_TRUE(s->listen(1).error().is_os(MP_EOPNOTSUPP));
  EXPECT_TRUE(s->accept().error().is_os(MP_EOPNOTSUPP));
  uint8_t buf[1] = {0};
  EXPECT_EQ(s->sendall(buf, 1).error().kind, ErrorKind::not_implemented);
}

TEST(TcpErrors, UnknownSocketTypeIsInval) {
  auto stack = Stack::create();
  auto s = stack->open_socket(MP_AF_INET, 99, 0);
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is_os(MP_EINVAL));
}

TEST(TcpErrors, UnknownOptionIsNotImplementedButNoError) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  auto outcome = s->set_option(MP_SOL_SOCKET, 0x7777, int64_t{1});
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, OptionOutcome::not_implemented);
  auto membership = s->set_option(MP_IPPROTO_IP, MP_IP_ADD_MEMBERSHIP, std::vector<uint8_t>(5));
  ASSERT_FALSE(membership);
  EXPECT_EQ(membership.error().kind, ErrorKind::value);
}

}  // namespace
}  // namespace mpsock

namespace mpsock {
namespace {

using namespace mpsock::test;

TEST(TcpErrors, WritingToAClosedPeerIsAnErrorNotSigpipe) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  reset_close(server);
  std::vector<uint8_t> chunk(4096, 'p');
  int error = 0;
  for (int i = 0; i < 100 && error == 0; ++i) {
    auto sent = client->send(chunk.data(), chunk.size());
    if (!sent) error = sent.error().code;
    ASSERT_TRUE(stack->sleep_ms(1));
  }
  EXPECT_EQ(error, MP_ECONNRESET);
}

}  // namespace
}  // namespace mpsock

namespace mpsock {
namespace {

using namespace mpsock::test;

TEST(TcpErrors, ACloseThatCannotFinishIsAbortedAfterTheCloseTimeout) {
  // A peer that never reads, with a small receive buffer, keeps the rest of the data (and the
  // FIN) from going out; after the close timeout the connection is aborted
  // (_lwip_tcp_close_poll), and the pcb comes back.
  Profile quick = default_profile();
  quick.close_timeout_ms = 300;
  auto stack = Stack::create(quick);
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int small = 2048;
  setsockopt(listener.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in addr = loopback(0);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  client->set_timeout_ms(0);
  std::vector<uint8_t> chunk(1000, 'w');
  for (int i = 0; i < 20000; ++i) {
    if (!client->send(chunk.data(), chunk.size())) break;
  }
  EXPECT_EQ(stack->pcbs_in_use(PcbKind::tcp), 1);
  const auto closed_at = Clock::now();
  client->close();
  EXPECT_EQ(stack->pcbs_in_use(PcbKind::tcp), 1);  // held while the close tries to finish
  while (stack->pcbs_in_use(PcbKind::tcp) != 0 && Clock::now() - closed_at < std::chrono::seconds(5)) {
    ASSERT_TRUE(stack->sleep_ms(20));
  }
  EXPECT_EQ(stack->pcbs_in_use(PcbKind::tcp), 0);
  EXPECT_GE(Clock::now() - closed_at, std::chrono::milliseconds(280));
  // The peer finds the connection reset once it reads what got through.
  std::vector<char> drain(1 << 16);
  ssize_t n = 0;
  do {
    n = ::recv(server.get(), drain.data(), drain.size(), 0);
  } while (n > 0);
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, ECONNRESET);
}

}  // namespace
}  // namespace mpsock
