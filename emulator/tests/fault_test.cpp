// Fault specs and injected faults: resets, peer closes, link drops and failing names, at a
// time or after a number of bytes.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;

TEST(FaultSpec, ParsesTimesBytesAndDurations) {
  auto reset = parse_fault("reset@2s");
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->kind, Fault::Kind::reset);
  EXPECT_EQ(*reset->at_ms, 2000);
  auto down = parse_fault("link-down@5s for 3s");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->kind, Fault::Kind::link_down);
  EXPECT_EQ(*down->at_ms, 5000);
  EXPECT_EQ(*down->for_ms, 3000);
  auto dns = parse_fault("dns-fail:example.com");
  ASSERT_TRUE(dns);
  EXPECT_EQ(dns->name, "example.com");
  EXPECT_FALSE(dns->at_ms);
  auto bytes = parse_fault("close@64KiB");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes->at_bytes, 65536u);
  EXPECT_EQ(*parse_fault("reset@1.5KB")->at_bytes, 1500u);
  EXPECT_EQ(*parse_fault("reset@250ms")->at_ms, 250);
  EXPECT_EQ(describe(*down), "link-down@5000ms for 3000ms");
}

TEST(FaultSpec, RejectsNonsenseWithAReason) {
  for (const char* bad : {"explode@1s", "reset@soon", "reset@5", "dns-fail", "reset for 2s", "reset:x",
                          "link-down@1s for", "", "@1s"}) {
    auto fault = parse_fault(bad);
    ASSERT_FALSE(fault) << bad;
    EXPECT_EQ(fault.error().kind, ErrorKind::value) << bad;
    EXPECT_FALSE(fault.error().message.empty()) << bad;
  }
}

// Times past a day or past any integer, byte counts past 10^18, nothing, negative: refused
// before any conversion to an integer (which would overflow).
TEST(FaultSpec, RefusesValuesAtAndPastTheEdges) {
  for (const char* bad :
       {"reset@99999999999999999999s", "reset@18446744073709551616ms", "reset@9223372036854775808ms",
        "reset@86400001ms", "reset@86401s", "reset@1e3ms", "reset@-1s", "reset@nan", "reset@infs",
        "link-down@1s for 0s", "link-down@1s for 0.0004ms", "link-down@1s for 99999999999999999999s",
        "link-down@1s for 86401s", "close@99999999999999999999KB", "close@1000000000000001KB", "close@-1B",
        "reset@100000000000000000000000000000000000000000000000000s", "reset@1.2.3s", "reset@."}) {
    auto fault = parse_fault(bad);
    ASSERT_FALSE(fault) << bad;
    EXPECT_EQ(fault.error().kind, ErrorKind::value) << bad;
  }
  EXPECT_EQ(*parse_fault("reset@86400s")->at_ms, 86'400'000);
  EXPECT_EQ(*parse_fault("link-down@0ms for 86400000ms")->for_ms, 86'400'000);
  EXPECT_EQ(*parse_fault("reset@0s")->at_ms, 0);
  EXPECT_EQ(*parse_fault("close@0B")->at_bytes, 0u);
  EXPECT_EQ(*parse_fault("close@1000000000000000000B")->at_bytes, 1'000'000'000'000'000'000u);
  EXPECT_EQ(*parse_fault("close@2GiB")->at_bytes, uint64_t{2} << 30);
}

TEST(Faults, ResetAtATime) {
  Connected c;
  const auto start = Clock::now();
  ASSERT_TRUE(c.stack->add_fault("reset@100ms"));
  uint8_t buf[8];
  EXPECT_TRUE(c.client->recv(buf, sizeof(buf), 0).error().is_os(MP_ECONNRESET));
  EXPECT_GE(Clock::now() - start, milliseconds(90));
  char peer_buf[8];
  errno = 0;
  EXPECT_EQ(::recv(c.server.get(), peer_buf, sizeof(peer_buf), 0), -1);
  EXPECT_EQ(errno, ECONNRESET);
}

TEST(Faults, ResetAfterBytes) {
  Connected c;
  ASSERT_TRUE(c.stack->add_fault("reset@1KB"));
  std::vector<uint8_t> chunk(600, 'r');
  ASSERT_EQ(*c.client->send(chunk.data(), chunk.size()), 600u);
  ASSERT_TRUE(c.stack->sleep_ms(20));
  ASSERT_EQ(*c.client->send(chunk.data(), chunk.size()), 600u);  // crosses 1000 bytes
  ASSERT_TRUE(c.stack->sleep_ms(20));
  auto third = c.client->send(chunk.data(), chunk.size());
  ASSERT_FALSE(third);
  EXPECT_TRUE(third.error().is_os(MP_ECONNRESET));
}

TEST(Faults, PeerCloseIsEofThenResetOnSend) {
  Connected c;
  ASSERT_TRUE(send_all(c.server.get(), "tail"));
  ASSERT_TRUE(c.stack->sleep_ms(20));
  ASSERT_TRUE(c.stack->add_fault("close"));
  uint8_t buf[8];
  auto data = c.client->recv(buf, sizeof(buf), 0);
  ASSERT_TRUE(data);
  EXPECT_EQ(*data, 4u);
  EXPECT_EQ(*c.client->recv(buf, sizeof(buf), 0), 0u);
  EXPECT_EQ(c.client->poll(MP_POLLIN | MP_POLLOUT), MP_POLLIN | MP_POLLOUT);
}

// The peer closes while a byte still crosses the link, then the script closes: the connection has no handle left to finish
// sending through, so the close is over at once and frees its pcb. (It used to linger with
// nothing to keep the socket alive; its close timer then fired on a freed socket. The fuzzer
// found it.)
TEST(Faults, CloseAfterPeerCloseWithDataQueuedFreesThePcb) {
  Profile profile = default_profile();
  profile.close_timeout_ms = 100;
  auto stack = Stack::create(profile);
  LinkConditions slow;
  slow.latency_ms = 200;
  ASSERT_TRUE(stack->set_conditions(slow));
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  const uint8_t data[1] = {'x'};
  ASSERT_TRUE(client->sendall(data, sizeof(data)));  // still crossing the link
  ASSERT_TRUE(stack->add_fault("close"));
  client->close();
  client.reset();
  ASSERT_TRUE(stack->sleep_ms(300));  // past the close timeout
  EXPECT_EQ(stack->pcbs_in_use(PcbKind::tcp), 0);
}

TEST(Faults, LinkDownForAWhile) {
  Connected c;
  ASSERT_TRUE(c.stack->add_fault("link-down@20ms for 150ms"));
  ASSERT_TRUE(c.stack->sleep_ms(60));
  EXPECT_FALSE(c.stack->link_up());
  auto fresh = open(c.stack, MP_SOCK_DGRAM);
  const uint8_t x[1] = {'x'};
  EXPECT_TRUE(fresh->sendto(x, 1, endpoint(9)).error().is_os(MP_EHOSTUNREACH));
  ASSERT_TRUE(c.stack->sleep_ms(200));
  EXPECT_TRUE(c.stack->link_up());
}

TEST(Faults, LinkComesBackWhileTheScriptComputes) {
  // The network thread runs scheduled faults even when no call is waiting.
  Connected c;
  ASSERT_TRUE(c.stack->add_fault("link-down for 50ms"));
  EXPECT_FALSE(c.stack->link_up());
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(c.stack->link_up());
}

TEST(Faults, DnsFailure) {
  auto stack = Stack::create();
  stack->resolver().set_use_system_resolver(false);
  stack->resolver().add_host("api.example", IpAddress::v4(10, 1, 1, 1));
  ASSERT_TRUE(stack->resolver().resolve("api.example", 0));
  ASSERT_TRUE(stack->add_fault("dns-fail:api.example"));
  EXPECT_TRUE(stack->resolver().resolve("api.example", 0).error().is_os(-2));
}

}  // namespace
}  // namespace mpsock
