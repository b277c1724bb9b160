// A camera cannot talk to itself: its lwIP has no loopback interface. 127.0.0.1 still stands
// for the desktop, so only sockets of the same emulated camera are out of reach.
#include <gtest/gtest.h>

#include <string>

#include "mpsock/mpsock.h"
#include "peer.h"

namespace mpsock {
namespace {

using namespace test;
using std::chrono::milliseconds;

struct OwnListener {
  std::shared_ptr<Stack> stack;
  std::shared_ptr<Socket> listener;
  uint16_t port = 0;
  explicit OwnListener(const Profile& profile = default_profile()) : stack(Stack::create(profile)) {
    listener = open(stack, MP_SOCK_STREAM);
    if (listener->bind(endpoint(0)) && listener->listen(2)) {
      Result<Endpoint> local = listener->local_endpoint();
      port = local ? local->port : 0;
    }
  }
};

TEST(SelfConnection, ToItsOwnListenerThrough127Fails) {
  OwnListener own;
  ASSERT_NE(own.port, 0);
  auto client = open(own.stack, MP_SOCK_STREAM);
  const auto start = Clock::now();
  Status connected = client->connect(endpoint(own.port));
  ASSERT_FALSE(connected);
  EXPECT_TRUE(connected.error().is_os(MP_EHOSTUNREACH));
  EXPECT_LT(Clock::now() - start, milliseconds(500));  // at once: no route
  // The listener saw nothing.
  own.listener->set_timeout_ms(0);
  EXPECT_TRUE(own.listener->accept().error().is_os(MP_EAGAIN));
}

TEST(SelfConnection, NonBlockingIsRefusedAtOnceToo) {
  OwnListener own;
  auto client = open(own.stack, MP_SOCK_STREAM);
  client->set_timeout_ms(0);
  EXPECT_TRUE(client->connect(endpoint(own.port)).error().is_os(MP_EHOSTUNREACH));
}

TEST(SelfConnection, A127AddressOfTheDesktopStillWorks) {
  OwnListener own;
  Fd desktop = tcp_listener();
  auto client = open(own.stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(desktop.get()))));
  Fd accepted = tcp_accept(desktop.get());
  EXPECT_GE(accepted.get(), 0);
  // And the desktop reaches the camera's listener.
  Fd in = tcp_connect(own.port);
  ASSERT_GE(in.get(), 0);
  own.listener->set_timeout_ms(2000);
  EXPECT_TRUE(own.listener->accept());
}

TEST(SelfConnection, ToItsOwnAddressTimesOut) {
  OwnListener own;
  own.stack->set_own_addresses({*IpAddress::parse("192.0.2.10", false)});
  auto client = open(own.stack, MP_SOCK_STREAM);
  client->set_timeout_ms(300);
  const auto start = Clock::now();
  Status connected = client->connect(Endpoint{*IpAddress::parse("192.0.2.10", false), own.port});
  const auto waited = Clock::now() - start;
  ASSERT_FALSE(connected);
  EXPECT_TRUE(connected.error().is_os(MP_ETIMEDOUT));
  EXPECT_GE(waited, milliseconds(300));
  EXPECT_LT(waited, milliseconds(3000));
  // Still in progress, and never writable.
  EXPECT_EQ(client->poll(MP_POLLOUT), 0);
  client->close();
}

TEST(SelfConnection, ToItsOwnAddressNonBlockingIsInProgress) {
  OwnListener own;
  own.stack->set_own_addresses({*IpAddress::parse("192.0.2.10", false)});
  auto client = open(own.stack, MP_SOCK_STREAM);
  client->set_timeout_ms(0);
  const Endpoint self{*IpAddress::parse("192.0.2.10", false), 80};
  EXPECT_TRUE(client->connect(self).error().is_os(MP_EINPROGRESS));
  EXPECT_TRUE(client->connect(self).error().is_os(MP_EALREADY));
}

TEST(SelfConnection, UdpToItsOwnPortThrough127Fails) {
  auto stack = Stack::create();
  auto receiver = open(stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(receiver->bind(endpoint(0)));
  const uint16_t port = receiver->local_endpoint()->port;
  auto sender = open(stack, MP_SOCK_DGRAM);
  const uint8_t data[3] = {'h', 'i', '!'};
  Result<size_t> sent = sender->sendto(data, 3, endpoint(port));
  ASSERT_FALSE(sent);
  EXPECT_TRUE(sent.error().is_os(MP_EHOSTUNREACH));
  // A connected UDP socket's send goes the same way.
  ASSERT_TRUE(sender->connect(endpoint(port)));
  EXPECT_TRUE(sender->send(data, 3).error().is_os(MP_EHOSTUNREACH));
  // To the desktop on 127.0.0.1 it goes.
  Fd desktop = udp_socket();
  EXPECT_EQ(*sender->sendto(data, 3, endpoint(local_port(desktop.get()))), 3u);
  char got[8];
  EXPECT_EQ(recv(desktop.get(), got, sizeof(got), 0), 3);
}

// The check asks each socket for its local address once it has a port, and keeps it: a port the
// kernel picks at a socket's first send, or picks again, must still be found.
TEST(SelfConnection, UdpToAPortTheKernelPickedFails) {
  auto stack = Stack::create();
  Fd desktop = udp_socket();
  Fd other_desktop = udp_socket();
  const uint8_t data[3] = {'h', 'i', '!'};
  auto receiver = open(stack, MP_SOCK_DGRAM);
  auto sender = open(stack, MP_SOCK_DGRAM);
  // Asked before the receiver has a socket of its own, then after its first send gave it one.
  EXPECT_EQ(*sender->sendto(data, 3, endpoint(local_port(desktop.get()))), 3u);
  EXPECT_EQ(*receiver->sendto(data, 3, endpoint(local_port(desktop.get()))), 3u);
  const uint16_t first = receiver->local_endpoint()->port;
  ASSERT_NE(first, 0);
  EXPECT_TRUE(sender->sendto(data, 3, endpoint(first)).error().is_os(MP_EHOSTUNREACH));

  // A connect and a datagram sent elsewhere leave the port as it was (Udp tests), and the check
  // still finds it.
  ASSERT_TRUE(receiver->connect(endpoint(local_port(desktop.get()))));
  EXPECT_EQ(*receiver->sendto(data, 3, endpoint(local_port(other_desktop.get()))), 3u);
  const uint16_t now = receiver->local_endpoint()->port;
  EXPECT_TRUE(sender->sendto(data, 3, endpoint(now)).error().is_os(MP_EHOSTUNREACH));
}

TEST(SelfConnection, UdpToItsOwnAddressIsLost) {
  auto stack = Stack::create();
  stack->set_own_addresses({*IpAddress::parse("192.0.2.10", false)});
  auto receiver = open(stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(receiver->bind(endpoint(0)));
  auto sender = open(stack, MP_SOCK_DGRAM);
  const uint8_t data[3] = {'h', 'i', '!'};
  EXPECT_EQ(*sender->sendto(data, 3, Endpoint{*IpAddress::parse("192.0.2.10", false), 9}), 3u);
}

TEST(SelfConnection, TheDesktopProfileHasLoopback) {
  OwnListener own(*find_profile("desktop"));
  own.stack->set_own_addresses({*IpAddress::parse("192.0.2.10", false)});
  auto client = open(own.stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(own.port)));
  own.listener->set_timeout_ms(2000);
  EXPECT_TRUE(own.listener->accept());
}

TEST(SelfConnection, TwoCamerasTalkOverTheLan) {
  OwnListener server;
  auto other_camera = Stack::create();
  auto client = open(other_camera, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(server.port)));
  server.listener->set_timeout_ms(2000);
  EXPECT_TRUE(server.listener->accept());
}

}  // namespace
}  // namespace mpsock
