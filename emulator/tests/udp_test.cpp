// UDP as modlwip does it: 4-datagram queue, truncation, PEEK, broadcast rule, multicast.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;

std::string recv_string(Socket& s, size_t n, int flags = 0, Endpoint* from = nullptr) {
  std::string buf(n, '\0');
  auto got = s.recvfrom(reinterpret_cast<uint8_t*>(&buf[0]), n, flags, from);
  if (!got) return "<errno " + std::to_string(got.error().code) + ">";
  buf.resize(*got);
  return buf;
}

// Receives one datagram on a kernel socket: its size (or -1), and in `port` its sender's port.
ssize_t recv_from_port(int fd, char* buf, size_t n, uint16_t* port) {
  sockaddr_in from{};
  socklen_t from_length = sizeof(from);
  const ssize_t got = ::recvfrom(fd, buf, n, 0, reinterpret_cast<sockaddr*>(&from), &from_length);
  *port = ntohs(from.sin_port);
  return got;
}

struct Bound {
  std::shared_ptr<Stack> stack;
  std::shared_ptr<Socket> socket;
  uint16_t port = 0;
  explicit Bound(const Profile& profile = default_profile()) : stack(Stack::create(profile)) {
    socket = open(stack, MP_SOCK_DGRAM);
    EXPECT_TRUE(socket->bind(endpoint(0)));
    port = socket->local_endpoint()->port;
  }
};

TEST(Udp, RoundTripWithNativePeer) {
  Bound b;
  Fd peer = udp_socket();
  const std::string ping = "ping";
  auto sent = b.socket->sendto(reinterpret_cast<const uint8_t*>(ping.data()), ping.size(),
                               endpoint(local_port(peer.get())));
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 4u);
  char buf[16];
  sockaddr_in from{};
  socklen_t len = sizeof(from);
  ASSERT_EQ(::recvfrom(peer.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len), 4);
  EXPECT_EQ(ntohs(from.sin_port), b.port);
  native_sendto(peer.get(), "pong", b.port);
  Endpoint source;
  EXPECT_EQ(recv_string(*b.socket, 16, 0, &source), "pong");
  EXPECT_EQ(source.port, local_port(peer.get()));
  EXPECT_EQ(source.ip.to_string(), "127.0.0.1");
}

TEST(Udp, LongDatagramIsTruncatedAndTheRestDiscarded) {
  Bound b;
  Fd peer = udp_socket();
  native_sendto(peer.get(), "0123456789", b.port);
  native_sendto(peer.get(), "next", b.port);
  b.socket->set_timeout_ms(2000);
  EXPECT_EQ(recv_string(*b.socket, 4), "0123");
  EXPECT_EQ(recv_string(*b.socket, 100), "next");
}

TEST(Udp, QueueHoldsFourDatagramsAndDropsTheRest) {
  Bound b;
  Fd peer = udp_socket();
  for (int i = 1; i <= 6; ++i) native_sendto(peer.get(), "d" + std::to_string(i), b.port);
  ASSERT_TRUE(b.stack->sleep_ms(50));
  b.socket->set_timeout_ms(0);
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(recv_string(*b.socket, 10), "d" + std::to_string(i));
  EXPECT_EQ(recv_string(*b.socket, 10), "<errno 11>");
}

TEST(Udp, PeekAndDontWait) {
  Bound b;
  Fd peer = udp_socket();
  EXPECT_EQ(recv_string(*b.socket, 10, MP_MSG_DONTWAIT), "<errno 11>");
  native_sendto(peer.get(), "once", b.port);
  b.socket->set_timeout_ms(2000);
  EXPECT_EQ(recv_string(*b.socket, 10, MP_MSG_PEEK), "once");
  EXPECT_EQ(recv_string(*b.socket, 10), "once");
  b.socket->set_timeout_ms(50);
  EXPECT_EQ(recv_string(*b.socket, 10), "<errno 110>");
}

TEST(Udp, ConnectSetsTheDefaultPeerAndFilters) {
  Bound b;
  Fd peer = udp_socket();
  Fd stranger = udp_socket();
  ASSERT_TRUE(b.socket->connect(endpoint(local_port(peer.get()))));
  const uint8_t hi[2] = {'h', 'i'};
  ASSERT_EQ(*b.socket->send(hi, 2), 2u);
  char buf[8];
  EXPECT_EQ(::recv(peer.get(), buf, sizeof(buf), 0), 2);
  native_sendto(stranger.get(), "no", b.port);
  native_sendto(peer.get(), "yes", b.port);
  b.socket->set_timeout_ms(2000);
  EXPECT_EQ(recv_string(*b.socket, 8), "yes");
  // sendto another address still works on a connected socket, as on lwIP.
  auto sent = b.socket->sendto(hi, 2, endpoint(local_port(stranger.get())));
  ASSERT_TRUE(sent);
  EXPECT_EQ(::recv(stranger.get(), buf, sizeof(buf), 0), 2);
}

// A socket the script never bound gets its port from the connect; a datagram it sends elsewhere
// leaves that port, and the connection, as they were: the peer's replies still reach it.
TEST(Udp, ConnectedSocketSendingElsewhereKeepsItsPort) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_DGRAM);
  Fd peer = udp_socket();
  Fd stranger = udp_socket();
  ASSERT_TRUE(s->connect(endpoint(local_port(peer.get()))));
  const uint8_t hi[2] = {'h', 'i'};
  ASSERT_EQ(*s->send(hi, 2), 2u);
  char buf[8];
  uint16_t port = 0;
  ASSERT_EQ(recv_from_port(peer.get(), buf, sizeof(buf), &port), 2);
  EXPECT_EQ(s->local_endpoint()->port, port);

  ASSERT_EQ(*s->sendto(hi, 2, endpoint(local_port(stranger.get()))), 2u);
  EXPECT_EQ(::recv(stranger.get(), buf, sizeof(buf), 0), 2);
  EXPECT_EQ(s->local_endpoint()->port, port);
  native_sendto(peer.get(), "back", port);
  s->set_timeout_ms(2000);
  EXPECT_EQ(recv_string(*s, 8), "back");
  ASSERT_EQ(*s->send(hi, 2), 2u);  // still to the peer
  uint16_t again = 0;
  ASSERT_EQ(recv_from_port(peer.get(), buf, sizeof(buf), &again), 2);
  EXPECT_EQ(again, port);
}

// A second connect changes the peer and keeps the port the first gave the socket.
TEST(Udp, ConnectingAgainKeepsThePort) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_DGRAM);
  Fd first = udp_socket();
  Fd second = udp_socket();
  ASSERT_TRUE(s->connect(endpoint(local_port(first.get()))));
  const uint16_t port = s->local_endpoint()->port;
  ASSERT_NE(port, 0);
  ASSERT_TRUE(s->connect(endpoint(local_port(second.get()))));
  EXPECT_EQ(s->local_endpoint()->port, port);
  const uint8_t hi[2] = {'h', 'i'};
  ASSERT_EQ(*s->send(hi, 2), 2u);
  char buf[8];
  EXPECT_EQ(::recv(second.get(), buf, sizeof(buf), 0), 2);
  // Now only the second peer gets through, to the same port.
  native_sendto(first.get(), "no", port);
  native_sendto(second.get(), "yes", port);
  s->set_timeout_ms(2000);
  EXPECT_EQ(recv_string(*s, 8), "yes");
}

TEST(Udp, BroadcastNeedsTheOption) {
  Bound b;
  const uint8_t hi[2] = {'h', 'i'};
  const Endpoint everyone{IpAddress::v4(255, 255, 255, 255), 9};
  auto refused = b.socket->sendto(hi, 2, everyone);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is_os(MP_EINVAL));

  // A native listener on the wildcard address hears the emulated LAN's broadcast.
  Fd listener(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in any{};
  any.sin_family = AF_INET;
  ::bind(listener.get(), reinterpret_cast<sockaddr*>(&any), sizeof(any));
  set_timeouts(listener.get());
  ASSERT_TRUE(b.socket->set_option(MP_SOL_SOCKET, MP_SO_BROADCAST, int64_t{1}));
  auto sent = b.socket->sendto(hi, 2, Endpoint{everyone.ip, local_port(listener.get())});
  ASSERT_TRUE(sent);
  char buf[8];
  EXPECT_EQ(::recv(listener.get(), buf, sizeof(buf), 0), 2);
}

TEST(Udp, MulticastJoinReceivesAndLeaveStops) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(s->set_option(MP_SOL_SOCKET, MP_SO_REUSEADDR, int64_t{1}));
  ASSERT_TRUE(s->bind(Endpoint{IpAddress::any(), 0}));
  const uint16_t port = s->local_endpoint()->port;
  std::vector<uint8_t> mreq = {239, 1, 2, 3, 0, 0, 0, 0};
  ASSERT_TRUE(s->set_option(MP_IPPROTO_IP, MP_IP_ADD_MEMBERSHIP, mreq));

  Fd sender(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  in_addr lo{};
  lo.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(sender.get(), IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof(lo));
  sockaddr_in group{};
  group.sin_family = AF_INET;
  group.sin_port = htons(port);
  inet_pton(AF_INET, "239.1.2.3", &group.sin_addr);
  ::sendto(sender.get(), "mc", 2, 0, reinterpret_cast<sockaddr*>(&group), sizeof(group));
  s->set_timeout_ms(2000);
  EXPECT_EQ(recv_string(*s, 8), "mc");

  auto not_a_group = s->set_option(MP_IPPROTO_IP, MP_IP_ADD_MEMBERSHIP, std::vector<uint8_t>{10, 0, 0, 1, 0, 0, 0, 0});
  ASSERT_FALSE(not_a_group);
  EXPECT_TRUE(not_a_group.error().is_os(MP_EINVAL));
  ASSERT_TRUE(s->set_option(MP_IPPROTO_IP, MP_IP_DROP_MEMBERSHIP, mreq));
}

TEST(Udp, DatagramBiggerThanTheLwipHeapIsNoMem) {
  Bound b;  // MEM_SIZE 8000
  std::vector<uint8_t> big(9000, 'b');
  auto sent = b.socket->sendto(big.data(), big.size(), endpoint(9));
  ASSERT_FALSE(sent);
  EXPECT_TRUE(sent.error().is_os(MP_ENOMEM));
}

TEST(Udp, SendWithoutConnectGoesNowhere) {
  Bound b;
  const uint8_t hi[2] = {'h', 'i'};
  auto sent = b.socket->send(hi, 2);
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 2u);
}

TEST(Udp, ReprCountsQueuedDatagrams) {
  Bound b;
  Fd peer = udp_socket();
  native_sendto(peer.get(), "x", b.port);
  native_sendto(peer.get(), "y", b.port);
  ASSERT_TRUE(b.stack->sleep_ms(30));
  EXPECT_EQ(b.socket->repr(), "<socket state=5 timeout=4294967295 incoming=2>");
}

TEST(Udp, ADatagramOnAShapedLinkGoesOutWhileTheScriptDoesSomethingElse) {
  // An event callback keeps the network thread running already; the datagram's link timer,
  // started after that thread went to sleep, must still wake it (the script is busy elsewhere,
  // as a script blocked on its standard input).
  auto stack = Stack::create();
  LinkConditions link;
  link.latency_ms = 2;
  ASSERT_TRUE(stack->set_conditions(link));
  auto s = open(stack, MP_SOCK_DGRAM);
  s->set_event_hook([] {});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the network thread sleeps
  Fd peer = udp_socket();
  const uint8_t data[5] = {'h', 'e', 'l', 'l', 'o'};
  ASSERT_EQ(*s->sendto(data, 5, endpoint(local_port(peer.get()))), 5u);
  pollfd p{peer.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 2000), 1);  // it arrives, well before the peer gives up
  s->set_event_hook(nullptr);
}

}  // namespace
}  // namespace mpsock
