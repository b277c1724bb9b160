// The camera's socket pools and listen backlog (docs/firmware-behaviour.md §9: MEMP_NUM_* and
// modlwip).
#include <gtest/gtest.h>

#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;

TEST(TcpLimits, SixthTcpSocketIsNoMem) {
  auto stack = Stack::create();  // MEMP_NUM_TCP_PCB 5
  std::vector<std::shared_ptr<Socket>> sockets;
  for (int i = 0; i < 5; ++i) sockets.push_back(open(stack, MP_SOCK_STREAM));
  auto sixth = stack->open_socket(MP_AF_INET, MP_SOCK_STREAM, 0);
  ASSERT_FALSE(sixth);
  EXPECT_TRUE(sixth.error().is_os(MP_ENOMEM));
  sockets.back()->close();
  EXPECT_TRUE(stack->open_socket(MP_AF_INET, MP_SOCK_STREAM, 0));
}

TEST(TcpLimits, ListeningMovesToTheListenPool) {
  auto stack = Stack::create();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(2));
  EXPECT_EQ(stack->pcbs_in_use(PcbKind::tcp), 0);
  EXPECT_EQ(stack->pcbs_in_use(PcbKind::tcp_listen), 1);
  std::vector<std::shared_ptr<Socket>> sockets;
  for (int i = 0; i < 5; ++i) sockets.push_back(open(stack, MP_SOCK_STREAM));
  EXPECT_FALSE(stack->open_socket(MP_AF_INET, MP_SOCK_STREAM, 0));
  listener->close();
  EXPECT_EQ(stack->pcbs_in_use(PcbKind::tcp_listen), 0);
}

TEST(TcpLimits, UdpPoolLeavesRoomForTheFirmwaresOwn) {
  auto stack = Stack::create();  // MEMP_NUM_UDP_PCB 5, two held by mDNS and DHCP
  std::vector<std::shared_ptr<Socket>> sockets;
  for (int i = 0; i < 3; ++i) sockets.push_back(open(stack, MP_SOCK_DGRAM));
  auto fourth = stack->open_socket(MP_AF_INET, MP_SOCK_DGRAM, 0);
  ASSERT_FALSE(fourth);
  EXPECT_TRUE(fourth.error().is_os(MP_ENOMEM));
}

TEST(TcpLimits, DesktopHasNoPoolLimits) {
  auto stack = Stack::create(*find_profile("desktop"));
  std::vector<std::shared_ptr<Socket>> sockets;
  for (int i = 0; i < 64; ++i) {
    auto s = stack->open_socket(MP_AF_INET, i % 2 ? MP_SOCK_DGRAM : MP_SOCK_STREAM, 0);
    ASSERT_TRUE(s);
    sockets.push_back(*s);
  }
}

TEST(TcpLimits, BacklogBoundsTheAcceptQueue) {
  auto stack = Stack::create();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(1));  // one slot
  const uint16_t port = listener->local_endpoint()->port;
  Fd a = tcp_connect(port);
  Fd b = tcp_connect(port);
  ASSERT_TRUE(stack->sleep_ms(50));
  EXPECT_NE(listener->repr().find("incoming=1>"), std::string::npos) << listener->repr();
  // Accepting frees the slot and the next connection moves in.
  ASSERT_TRUE(listener->accept());
  listener->set_timeout_ms(2000);
  ASSERT_TRUE(listener->accept());
}

TEST(TcpLimits, NoPcbNoConnection) {
  auto stack = Stack::create();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(4));
  std::vector<std::shared_ptr<Socket>> hogs;
  for (int i = 0; i < 5; ++i) hogs.push_back(open(stack, MP_SOCK_STREAM));
  Fd client = tcp_connect(listener->local_endpoint()->port);
  listener->set_timeout_ms(100);
  EXPECT_TRUE(listener->accept().error().is_os(MP_ETIMEDOUT));
  hogs.pop_back();  // destroying a socket gives its pcb back
  listener->set_timeout_ms(2000);
  EXPECT_TRUE(listener->accept());
}

}  // namespace
}  // namespace mpsock
