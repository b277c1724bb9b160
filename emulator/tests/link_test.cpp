// Network conditions and the link's state: latency, bandwidth, loss (delay for TCP, drops for
// UDP), determinism by seed, and what a script sees while the link is down.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <thread>
#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;


LinkConditions latency(double ms) {
  LinkConditions c;
  c.latency_ms = ms;
  return c;
}

TEST(Link, LatencyDelaysTheRoundTrip) {
  Connected c(*find_profile("desktop"));
  ASSERT_TRUE(c.stack->set_conditions(latency(120)));
  const uint8_t ping[4] = {'p', 'i', 'n', 'g'};
  const auto start = Clock::now();
  ASSERT_EQ(*c.client->send(ping, 4), 4u);
  EXPECT_EQ(recv_exactly(c.server.get(), 4), "ping");
  const auto one_way = Clock::now() - start;
  ASSERT_TRUE(send_all(c.server.get(), "pong"));
  uint8_t buf[8];
  c.client->set_timeout_ms(5000);
  auto got = c.client->recv(buf, sizeof(buf), 0);
  const auto round_trip = Clock::now() - start;
  ASSERT_TRUE(got);
  EXPECT_GE(one_way, milliseconds(60));
  EXPECT_GE(round_trip, milliseconds(120));
  EXPECT_LT(round_trip, milliseconds(2000));
}

TEST(Link, ConnectTakesARoundTrip) {
  auto stack = Stack::create(*find_profile("desktop"));
  ASSERT_TRUE(stack->set_conditions(latency(150)));
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  const auto start = Clock::now();
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  EXPECT_GE(Clock::now() - start, milliseconds(150));
}

TEST(Link, ARefusalTakesTheRoundTripToo) {
  auto stack = Stack::create(*find_profile("desktop"));
  ASSERT_TRUE(stack->set_conditions(latency(200)));
  uint16_t closed_port = 0;
  {
    Fd probe = tcp_listener();
    closed_port = local_port(probe.get());
  }
  auto client = open(stack, MP_SOCK_STREAM);
  const auto start = Clock::now();
  Status connected = client->connect(endpoint(closed_port));
  ASSERT_FALSE(connected);
  EXPECT_TRUE(connected.error().is_os(MP_ECONNRESET));
  EXPECT_GE(Clock::now() - start, milliseconds(200));
}

TEST(Link, BandwidthPacesABulkSend) {
  Connected c(*find_profile("desktop"));
  LinkConditions slow;
  slow.bandwidth_bps = 1'000'000;  // 125 kB/s
  ASSERT_TRUE(c.stack->set_conditions(slow));
  std::vector<uint8_t> data(50'000, 'b');
  std::string received;
  std::thread reader([&] { received = recv_exactly(c.server.get(), data.size()); });
  const auto start = Clock::now();
  ASSERT_TRUE(c.client->sendall(data.data(), data.size()));
  reader.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_EQ(received.size(), data.size());
  // 400 kbit at 1 Mbit/s: not faster than the link, and not hugely slower.
  EXPECT_GE(seconds, 0.38);
  EXPECT_LT(seconds, 3.0);
}

TEST(Link, BandwidthPacesACameraSizedSendBuffer) {
  // The RT1062's 6400-byte send buffer refills as segments cross and are acknowledged; the
  // stream keeps the link's rate instead of stalling on ACKs or on the host's Nagle.
  Connected c(default_profile());
  LinkConditions slow;
  slow.bandwidth_bps = 1'000'000;
  ASSERT_TRUE(c.stack->set_conditions(slow));
  std::vector<uint8_t> data(40'000, 'c');
  std::string received;
  std::thread reader([&] { received = recv_exactly(c.server.get(), data.size()); });
  const auto start = Clock::now();
  for (size_t sent = 0; sent < data.size(); sent += 1460) {
    ASSERT_TRUE(c.client->sendall(data.data() + sent, std::min<size_t>(1460, data.size() - sent)));
  }
  reader.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_EQ(received.size(), data.size());
  EXPECT_GE(seconds, 0.30);
  EXPECT_LT(seconds, 2.0);
}

TEST(Link, TcpLossIsDelayNotDamage) {
  Connected c(default_profile());
  LinkConditions lossy;
  lossy.loss = 0.3;
  lossy.seed = 7;
  ASSERT_TRUE(c.stack->set_conditions(lossy));
  std::vector<uint8_t> data(20'000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31);
  std::string received;
  std::thread reader([&] { received = recv_exactly(c.server.get(), data.size()); });
  ASSERT_TRUE(c.client->sendall(data.data(), data.size()));
  reader.join();
  ASSERT_EQ(received.size(), data.size());
  EXPECT_EQ(0, std::memcmp(received.data(), data.data(), data.size()));
}

TEST(Link, LargeSegmentsCrossTheLinkIntact) {
  // The desktop profile's 64 KiB MSS: whole read blocks are cut into link segments the size
  // of a read block, which must not be taken for the read block itself when consumed.
  Connected c(*find_profile("desktop"));
  LinkConditions lossy = latency(1);
  lossy.loss = 0.01;
  lossy.seed = 5;
  ASSERT_TRUE(c.stack->set_conditions(lossy));
  std::string data(2 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) >> 3);
  bool sent = true;
  std::thread writer([&] {
    // Alternately small and large writes, with pauses, so the emulator reads blocks of
    // every size: a short one then a full one is what used to overrun.
    for (size_t offset = 0, i = 0; offset < data.size(); ++i) {
      const size_t n = std::min(data.size() - offset, i % 2 == 0 ? size_t{20'000} : size_t{100'000});
      sent = sent && send_all(c.server.get(), data.substr(offset, n));
      offset += n;
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  std::string received;
  std::vector<uint8_t> buf(100'000);
  c.client->set_timeout_ms(10'000);
  while (received.size() < data.size()) {
    auto got = c.client->recv(buf.data(), buf.size(), 0);
    ASSERT_TRUE(got);
    ASSERT_GT(*got, 0u);
    received.append(reinterpret_cast<const char*>(buf.data()), *got);
  }
  writer.join();
  EXPECT_TRUE(sent);
  EXPECT_TRUE(received == data);
}

// The datagram numbers that got through, with the given seed.
std::set<int> udp_survivors(uint64_t seed, double loss) {
  auto stack = Stack::create(*find_profile("desktop"));
  LinkConditions lossy;
  lossy.loss = loss;
  lossy.seed = seed;
  EXPECT_TRUE(stack->set_conditions(lossy));
  Fd peer = udp_socket();
  auto s = open(stack, MP_SOCK_DGRAM);
  for (int i = 0; i < 100; ++i) {
    const std::string payload = std::to_string(i);
    EXPECT_TRUE(s->sendto(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), endpoint(local_port(peer.get()))));
  }
  std::set<int> got;
  char buf[16];
  for (;;) {
    pollfd p{peer.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) != 1) break;
    const ssize_t n = ::recv(peer.get(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.insert(std::stoi(std::string(buf, static_cast<size_t>(n))));
  }
  return got;
}

TEST(Link, UdpLossDropsAndIsDeterministicForASeed) {
  const std::set<int> first = udp_survivors(42, 0.3);
  const std::set<int> again = udp_survivors(42, 0.3);
  const std::set<int> other = udp_survivors(43, 0.3);
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  EXPECT_GT(first.size(), 50u);
  EXPECT_LT(first.size(), 90u);
  EXPECT_TRUE(udp_survivors(1, 1.0).empty());
}

TEST(Link, DownRefusesNewTrafficAndStallsConnections) {
  Connected c(default_profile());
  c.stack->set_link_up(false);
  auto fresh = open(c.stack, MP_SOCK_STREAM);
  EXPECT_TRUE(fresh->connect(endpoint(local_port(c.listener.get()))).error().is_os(MP_EHOSTUNREACH));
  auto udp = open(c.stack, MP_SOCK_DGRAM);
  const uint8_t x[1] = {'x'};
  EXPECT_TRUE(udp->sendto(x, 1, endpoint(9)).error().is_os(MP_EHOSTUNREACH));
  c.stack->resolver().set_use_system_resolver(false);
  c.stack->resolver().add_host("broker.lan", IpAddress::v4(10, 0, 0, 2));
  EXPECT_TRUE(c.stack->resolver().resolve("broker.lan", 0).error().is_os(-2));
  EXPECT_TRUE(c.stack->resolver().resolve("10.0.0.2", 0));  // numeric needs no DNS

  // An open connection takes the data but nothing crosses.
  ASSERT_EQ(*c.client->send(x, 1), 1u);
  char buf[4];
  pollfd p{c.server.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 100), 0);
  ASSERT_TRUE(send_all(c.server.get(), "in"));
  c.client->set_timeout_ms(100);
  uint8_t in[4];
  EXPECT_TRUE(c.client->recv(in, 4, 0).error().is_os(MP_ETIMEDOUT));

  c.stack->set_link_up(true);
  EXPECT_EQ(::recv(c.server.get(), buf, sizeof(buf), 0), 1);
  c.client->set_timeout_ms(2000);
  auto got = c.client->recv(in, 4, 0);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 2u);
}

}  // namespace
}  // namespace mpsock

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;

LinkConditions dead_link() {
  LinkConditions dead;
  dead.loss = 1.0;
  return dead;
}

// At 100% loss nothing crosses, TCP included: every retransmission is lost too. The script's
// timeouts expire as they would on the camera.
TEST(Link, FullLossLetsNoTcpDataCross) {
  Connected c(default_profile());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.stack->set_conditions(dead_link()));
  const uint8_t ping[4] = {'p', 'i', 'n', 'g'};
  ASSERT_EQ(*c.client->send(ping, 4), 4u);
  pollfd peer{c.server.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&peer, 1, 1500), 0) << "data crossed a link that loses everything";

  ASSERT_TRUE(send_all(c.server.get(), "pong"));
  c.client->set_timeout_ms(800);
  uint8_t buf[8];
  const auto start = Clock::now();
  auto got = c.client->recv(buf, sizeof(buf), 0);
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is_os(MP_ETIMEDOUT));
  EXPECT_GE(Clock::now() - start, milliseconds(750));

  // Nothing is acknowledged either: the send buffer fills and a send that needs room times out.
  std::vector<uint8_t> data(2 * default_profile().tcp_snd_buf, 'd');
  c.client->set_timeout_ms(500);
  Status all = c.client->sendall(data.data(), data.size());
  ASSERT_FALSE(all);
  EXPECT_TRUE(all.error().is_os(MP_ETIMEDOUT));
  EXPECT_TRUE(c.stack->add_fault("reset"));  // no graceful close to wait for at the end
}

TEST(Link, FullLossLetsNoConnectionStart) {
  auto stack = Stack::create(default_profile());
  ASSERT_TRUE(stack->set_conditions(dead_link()));
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  // Longer than a lost SYN and a lost answer each cost at lower loss (a retransmission timeout).
  client->set_timeout_ms(2000);
  const auto start = Clock::now();
  Status connected = client->connect(endpoint(local_port(listener.get())));
  ASSERT_FALSE(connected);
  EXPECT_TRUE(connected.error().is_os(MP_ETIMEDOUT));
  EXPECT_GE(Clock::now() - start, milliseconds(1950));
  client->close();
}

// When the loss ends, what the dead link held is retransmitted and arrives, in order.
TEST(Link, WhatADeadLinkHeldArrivesOnceItCarriesAgain) {
  Connected c(default_profile());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.stack->set_conditions(dead_link()));
  const uint8_t first[5] = {'f', 'i', 'r', 's', 't'};
  ASSERT_EQ(*c.client->send(first, 5), 5u);
  ASSERT_TRUE(send_all(c.server.get(), "pong"));
  pollfd peer{c.server.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&peer, 1, 300), 0);
  ASSERT_TRUE(c.stack->set_conditions(latency(20)));
  const uint8_t second[6] = {'s', 'e', 'c', 'o', 'n', 'd'};
  ASSERT_EQ(*c.client->send(second, 6), 6u);
  EXPECT_EQ(recv_exactly(c.server.get(), 11), "firstsecond");
  c.client->set_timeout_ms(3000);
  uint8_t buf[8];
  auto got = c.client->recv(buf, sizeof(buf), 0);
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *got), "pong");
}

TEST(Link, FullLossLosesEveryDatagram) { EXPECT_TRUE(udp_survivors(3, 1.0).empty()); }

TEST(Link, ConditionsAreCheckedAtTheEdges) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto stack = Stack::create(default_profile());
  LinkConditions before;
  before.latency_ms = 5;
  ASSERT_TRUE(stack->set_conditions(before));
  std::vector<LinkConditions> bad;
  for (double ms : {nan, inf, -inf, -1.0, -1e-9, 86'400'000.5, 1e20, 1.8446744073709552e19}) {
    LinkConditions c;
    c.latency_ms = ms;
    bad.push_back(c);
    c = LinkConditions();
    c.jitter_ms = ms;
    bad.push_back(c);
  }
  for (double bps : {nan, inf, -inf, -1.0, 0.5, 1e-300}) {
    LinkConditions c;
    c.bandwidth_bps = bps;
    bad.push_back(c);
  }
  for (double loss : {nan, inf, -0.01, 1.0001, 2.0}) {
    LinkConditions c;
    c.loss = loss;
    bad.push_back(c);
  }
  for (const LinkConditions& c : bad) {
    Status checked = check_conditions(c);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().kind, ErrorKind::value);
    EXPECT_FALSE(stack->set_conditions(c));
    EXPECT_EQ(stack->conditions().latency_ms, 5.0);  // a refused change changes nothing
  }
  LinkConditions edges;
  edges.latency_ms = 86'400'000;
  edges.jitter_ms = 86'400'000;
  edges.bandwidth_bps = 1;
  edges.loss = 1;
  edges.seed = UINT64_MAX;
  EXPECT_TRUE(check_conditions(edges));
  edges.bandwidth_bps = 1e300;  // as good as unlimited
  EXPECT_TRUE(check_conditions(edges));
  EXPECT_TRUE(check_conditions(LinkConditions()));  // 0: no latency, unlimited, no loss
}

// The slowest link and the longest delays schedule data far ahead, in range (UBSan checks).
TEST(Link, SlowestLinkAndLongestDelaysStayInRange) {
  Connected c(default_profile());
  ASSERT_TRUE(c.ok());
  LinkConditions slow;
  slow.latency_ms = 86'400'000;
  slow.jitter_ms = 86'400'000;
  slow.bandwidth_bps = 1;
  slow.loss = 0.5;
  ASSERT_TRUE(c.stack->set_conditions(slow));
  std::vector<uint8_t> data(default_profile().tcp_snd_buf, 's');
  c.client->set_timeout_ms(200);
  EXPECT_EQ(*c.client->send(data.data(), data.size()), data.size());
  ASSERT_TRUE(send_all(c.server.get(), std::string(3000, 'r')));
  uint8_t buf[100];
  auto got = c.client->recv(buf, sizeof(buf), 0);
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is_os(MP_ETIMEDOUT));
  EXPECT_TRUE(c.stack->add_fault("reset"));
}

}  // namespace
}  // namespace mpsock
