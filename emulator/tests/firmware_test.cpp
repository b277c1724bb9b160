// The MicroPython release a profile follows, and each behaviour that changed between releases.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "mpsock/mpsock.h"
#include "peer.h"

namespace mpsock {
namespace {

using namespace test;
using std::chrono::milliseconds;

std::string recv_text(Socket& s, size_t n) {
  std::vector<uint8_t> buf(n);
  Result<size_t> got = s.recv(buf.data(), n, 0);
  if (!got) return "errno " + std::to_string(got.error().code);
  return std::string(reinterpret_cast<char*>(buf.data()), *got);
}

// Waits until the socket reports the peer's reset (or data), so the next step does not race it.
void wait_readable(const std::shared_ptr<Stack>& stack, const std::shared_ptr<Socket>& s) {
  Poller poller(stack);
  poller.add_socket(1, s, MP_POLLIN);
  ASSERT_TRUE(poller.poll(5000, false));
}

TEST(Firmware, VersionsParse) {
  EXPECT_EQ(MicroPythonVersion::parse("1.24")->to_string(), "1.24.0");
  EXPECT_EQ(MicroPythonVersion::parse("v1.26.1")->to_string(), "1.26.1");
  EXPECT_EQ(MicroPythonVersion::parse("V1.23.0")->to_string(), "1.23.0");
  for (const char* bad : {"", "1", "1.", "1.x", "1.24.", "1.24.0.1", "one.two", "1.24 ", "-1.24"}) {
    EXPECT_FALSE(MicroPythonVersion::parse(bad)) << bad;
  }
  EXPECT_TRUE(*MicroPythonVersion::parse("1.9") < *MicroPythonVersion::parse("1.24"));
}

TEST(Firmware, DefaultFollowsTheCurrentOpenMvRelease) {
  const Profile& p = default_profile();
  EXPECT_EQ(p.micropython.to_string(), "1.28.0");
  EXPECT_EQ(p.firmware, "OpenMV firmware 5.0.0");
  EXPECT_EQ(p.omv_version, "5.0.0");
  EXPECT_FALSE(p.loopback);
  EXPECT_FALSE(p.timeout_options);
  EXPECT_TRUE(find_profile("desktop")->loopback);
  EXPECT_TRUE(find_profile("desktop")->timeout_options);
}

TEST(Firmware, ReleasesOutsideTheRangeAreRefused) {
  EXPECT_FALSE(with_firmware(default_profile(), *MicroPythonVersion::parse("1.21")));
  EXPECT_FALSE(with_firmware(default_profile(), *MicroPythonVersion::parse("1.29")));
  EXPECT_TRUE(with_firmware(default_profile(), *MicroPythonVersion::parse("1.22")));
  std::optional<Profile> same =
      with_firmware(default_profile(), *MicroPythonVersion::parse("1.28.0"));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->firmware, "OpenMV firmware 5.0.0");
}

TEST(Firmware, EveryChangeHasANameAndARelease) {
  const auto& changes = firmware_changes();
  ASSERT_EQ(changes.size(), 7u);
  for (size_t i = 1; i < changes.size(); ++i) EXPECT_FALSE(changes[i].since < changes[i - 1].since);
  EXPECT_EQ(changes.back().since.to_string(), "1.28.0");
}

TEST(Firmware, TcpNodelayFromV123) {
  Connected now;
  EXPECT_EQ(*now.client->set_option(MP_IPPROTO_TCP, MP_TCP_NODELAY, int64_t{1}),
            OptionOutcome::applied);
  Connected before(profile_named("openmv-rt1062", "1.22"));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(*before.client->set_option(MP_IPPROTO_TCP, MP_TCP_NODELAY, int64_t{1}),
            OptionOutcome::not_implemented);
}

TEST(Firmware, UdpQueueOfOneBeforeV126) {
  EXPECT_EQ(profile_named("openmv-rt1062", "1.25").udp_queue, 1u);
  EXPECT_EQ(profile_named("openmv-rt1062", "1.26").udp_queue, 4u);
  EXPECT_EQ(profile_named("desktop", "1.25").udp_queue, find_profile("desktop")->udp_queue);

  auto stack = Stack::create(profile_named("openmv-rt1062", "1.25"));
  auto s = open(stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(s->bind(endpoint(0)));
  const uint16_t port = s->local_endpoint() ? s->local_endpoint()->port : 0;
  Fd sender = udp_socket();
  sockaddr_in to = loopback(port);
  for (char c : std::string("abc")) {
    ASSERT_EQ(sendto(sender.get(), &c, 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 1);
  }
  ASSERT_TRUE(stack->sleep_ms(50));
  s->set_timeout_ms(0);
  EXPECT_EQ(recv_text(*s, 8), "a");  // the one slot kept the first; the rest were dropped
  EXPECT_EQ(recv_text(*s, 8), "errno 11");
}

TEST(Firmware, NonBlockingConnectOnAFastLinkCompletesFromV124) {
  Fd listener = tcp_listener();
  auto now = Stack::create();
  auto s = open(now, MP_SOCK_STREAM);
  s->set_timeout_ms(0);
  EXPECT_TRUE(s->connect(endpoint(local_port(listener.get()))));  // loopback: faster than the poll
  uint8_t byte = 'x';
  EXPECT_EQ(*s->send(&byte, 1), 1u);

  auto before = Stack::create(profile_named("openmv-rt1062", "1.23"));
  auto t = open(before, MP_SOCK_STREAM);
  t->set_timeout_ms(0);
  EXPECT_TRUE(t->connect(endpoint(local_port(listener.get()))).error().is_os(MP_EINPROGRESS));
}

TEST(Firmware, NonBlockingConnectOnASlowLinkIsInProgress) {
  auto stack = Stack::create();
  LinkConditions link;
  link.latency_ms = 4;  // a 4 ms round trip: longer than the connect's poll
  ASSERT_TRUE(stack->set_conditions(link));
  Fd listener = tcp_listener();
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(0);
  EXPECT_TRUE(s->connect(endpoint(local_port(listener.get()))).error().is_os(MP_EINPROGRESS));
}

TEST(Firmware, NonBlockingConnectOnALinkFasterThanThePollCompletes) {
  auto stack = Stack::create();
  LinkConditions link;
  link.latency_ms = 0.4;  // a 0.4 ms round trip: within the connect's 1 ms poll
  ASSERT_TRUE(stack->set_conditions(link));
  Fd listener = tcp_listener();
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(0);
  EXPECT_TRUE(s->connect(endpoint(local_port(listener.get()))));
}

TEST(Firmware, NonBlockingConnectToARefusingPortFailsAtOnceFromV124) {
  Fd closed = tcp_listener();
  const uint16_t port = local_port(closed.get());
  closed.reset();
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(0);
  EXPECT_TRUE(s->connect(endpoint(port)).error().is_os(MP_ECONNRESET));
}

TEST(Firmware, SendWhileConnectingWaitsFromV125) {
  Unanswering nobody;
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(0);
  ASSERT_TRUE(s->connect(endpoint(nobody.port())).error().is_os(MP_EINPROGRESS));
  uint8_t data[5] = {'e', 'a', 'r', 'l', 'y'};
  EXPECT_TRUE(s->send(data, 5).error().is_os(MP_EAGAIN));
  EXPECT_EQ(s->poll(MP_POLLOUT), 0);  // not writable while connecting
}

TEST(Firmware, SendWhileConnectingIsQueuedBeforeV125) {
  Unanswering nobody;
  auto stack = Stack::create(profile_named("openmv-rt1062", "1.24"));
  auto s = open(stack, MP_SOCK_STREAM);
  s->set_timeout_ms(0);
  ASSERT_TRUE(s->connect(endpoint(nobody.port())).error().is_os(MP_EINPROGRESS));
  EXPECT_EQ(s->poll(MP_POLLOUT), MP_POLLOUT);  // tcp_sndbuf of the pcb in SYN_SENT
  uint8_t data[5] = {'e', 'a', 'r', 'l', 'y'};
  ASSERT_EQ(*s->send(data, 5), 5u);
  // The peer makes room; the client's SYN retransmission gets through, then the data.
  Fd first = tcp_accept(nobody.listener.get());
  Fd conn = tcp_accept(nobody.listener.get());
  ASSERT_GE(conn.get(), 0);
  EXPECT_EQ(recv_exactly(conn.get(), 5), "early");
}

TEST(Firmware, ResetKeepsReceivedDataFromV128) {
  Connected c;
  ASSERT_TRUE(send_all(c.server.get(), std::string(18, 'd')));
  ASSERT_TRUE(c.stack->sleep_ms(50));  // the bytes are in the camera's queue
  reset_close(c.server);
  wait_readable(c.stack, c.client);
  ASSERT_TRUE(c.stack->sleep_ms(50));  // and so is the reset
  EXPECT_EQ(c.client->poll(MP_POLLIN), MP_POLLIN | MP_POLLERR | MP_POLLHUP);
  EXPECT_EQ(recv_text(*c.client, 10), std::string(10, 'd'));
  EXPECT_EQ(recv_text(*c.client, 10), std::string(8, 'd'));
  EXPECT_EQ(c.client->poll(MP_POLLIN), MP_POLLIN | MP_POLLERR | MP_POLLHUP);
  EXPECT_EQ(recv_text(*c.client, 10), "errno 104");
  EXPECT_EQ(c.client->poll(MP_POLLIN), MP_POLLIN | MP_POLLHUP);
  EXPECT_EQ(recv_text(*c.client, 10), "");
}

TEST(Firmware, ResetThatArrivedWithTheDataWhileNobodyReadIsStillAReset) {
  // Data and the RST both wait in the kernel until the script calls in: libuv reads the data
  // and sees the hang-up, which must not pass for the peer's FIN.
  Connected c;
  ASSERT_TRUE(send_all(c.server.get(), std::string(18, 'd')));
  reset_close(c.server);
  std::this_thread::sleep_for(milliseconds(100));  // the stack's loop does not run meanwhile
  Poller poller(c.stack);
  poller.add_socket(1, c.client, MP_POLLIN);
  auto ready = poller.poll(0, false);  // runs the loop once, as select.poll does
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].events, MP_POLLIN | MP_POLLERR | MP_POLLHUP);
  EXPECT_EQ(recv_text(*c.client, 10), std::string(10, 'd'));
  EXPECT_EQ(recv_text(*c.client, 10), std::string(8, 'd'));
  EXPECT_EQ(recv_text(*c.client, 10), "errno 104");
  EXPECT_EQ(recv_text(*c.client, 10), "");
}

TEST(Firmware, ResetDiscardsReceivedDataBeforeV128) {
  Connected c(profile_named("openmv-rt1062", "1.27"));
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(send_all(c.server.get(), std::string(18, 'd')));
  ASSERT_TRUE(c.stack->sleep_ms(50));
  reset_close(c.server);
  wait_readable(c.stack, c.client);
  ASSERT_TRUE(c.stack->sleep_ms(50));
  EXPECT_EQ(recv_text(*c.client, 10), "errno 104");
  EXPECT_EQ(recv_text(*c.client, 10), "");
}

TEST(Firmware, ResetAfterDataOverAShapedLinkKeepsTheData) {
  Connected c;
  LinkConditions link;
  link.latency_ms = 10;
  ASSERT_TRUE(c.stack->set_conditions(link));
  ASSERT_TRUE(send_all(c.server.get(), "0123456789"));
  ASSERT_TRUE(c.stack->sleep_ms(30));
  reset_close(c.server);
  c.client->set_timeout_ms(2000);
  EXPECT_EQ(recv_text(*c.client, 100), "0123456789");
  EXPECT_EQ(recv_text(*c.client, 100), "errno 104");
}

}  // namespace
}  // namespace mpsock
