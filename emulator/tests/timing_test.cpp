// Timing modes: settimeout, SO_RCVTIMEO/SO_SNDTIMEO in milliseconds, per-call MSG_DONTWAIT,
// and that every blocking call honours its deadline.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;


// SO_RCVTIMEO and SO_SNDTIMEO exist only where the socket module has them: the desktop profile.
TEST(Timing, RcvTimeoutOptionIsMilliseconds) {
  Connected c(profile_named("desktop"));
  ASSERT_TRUE(c.client->set_option(MP_SOL_SOCKET, MP_SO_RCVTIMEO, int64_t{120}));
  EXPECT_EQ(c.client->recv_timeout_ms(), 120);
  uint8_t buf[4];
  const auto start = Clock::now();
  EXPECT_TRUE(c.client->recv(buf, 4, 0).error().is_os(MP_ETIMEDOUT));
  const auto waited = Clock::now() - start;
  EXPECT_GE(waited, milliseconds(120));
  EXPECT_LT(waited, milliseconds(1500));
}

TEST(Timing, ZeroOptionMeansBlocking) {
  Connected c(profile_named("desktop"));
  ASSERT_TRUE(c.client->set_option(MP_SOL_SOCKET, MP_SO_RCVTIMEO, int64_t{0}));
  EXPECT_EQ(c.client->recv_timeout_ms(), -1);
  auto negative = c.client->set_option(MP_SOL_SOCKET, MP_SO_SNDTIMEO, int64_t{-5});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().kind, ErrorKind::value);
}

TEST(Timing, CameraProfilesHaveNoTimeoutOptions) {
  // modlwip has no SO_RCVTIMEO / SO_SNDTIMEO: the options are unknown, the timeout unchanged.
  Connected c;
  auto outcome = c.client->set_option(MP_SOL_SOCKET, MP_SO_RCVTIMEO, int64_t{120});
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, OptionOutcome::not_implemented);
  EXPECT_EQ(c.client->recv_timeout_ms(), -1);
  outcome = c.client->set_option(MP_SOL_SOCKET, MP_SO_SNDTIMEO, std::vector<uint8_t>{1, 2});
  ASSERT_TRUE(outcome);  // the value is never looked at
  EXPECT_EQ(*outcome, OptionOutcome::not_implemented);
  EXPECT_EQ(c.client->send_timeout_ms(), -1);
}

TEST(Timing, SettimeoutSetsBoth) {
  Connected c;
  c.client->set_timeout_ms(250);
  EXPECT_EQ(c.client->recv_timeout_ms(), 250);
  EXPECT_EQ(c.client->send_timeout_ms(), 250);
  c.client->set_timeout_ms(-1);
  EXPECT_EQ(c.client->send_timeout_ms(), -1);
}

TEST(Timing, SendTimesOutWhenThePeerNeverReads) {
  Connected c;
  c.client->set_timeout_ms(200);
  std::vector<uint8_t> chunk(64 * 1024, 'q');
  Error last;
  size_t total = 0;
  auto start = Clock::now();
  for (int i = 0; i < 20000; ++i) {
    start = Clock::now();
    auto sent = c.client->send(chunk.data(), chunk.size());
    if (!sent) {
      last = sent.error();
      break;
    }
    total += *sent;
  }
  EXPECT_TRUE(last.is_os(MP_ETIMEDOUT)) << last.code << " after " << total << " bytes";
  EXPECT_GE(Clock::now() - start, milliseconds(200));
}

TEST(Timing, NonBlockingSendWhenFullIsAgain) {
  Connected c;
  c.client->set_timeout_ms(0);
  std::vector<uint8_t> chunk(64 * 1024, 'q');
  Error last;
  for (int i = 0; i < 20000; ++i) {
    auto sent = c.client->send(chunk.data(), chunk.size());
    if (!sent) {
      last = sent.error();
      break;
    }
  }
  EXPECT_TRUE(last.is_os(MP_EAGAIN)) << last.code;
  auto written = c.client->write(chunk.data(), chunk.size());
  ASSERT_TRUE(written);
  EXPECT_FALSE(written->has_value());  // write() returns None when nothing fitted
}

TEST(Timing, StreamReadNoShortReadsWhenBlocking) {
  Connected c;
  ASSERT_TRUE(send_all(c.server.get(), "abc"));
  std::thread later([&] {
    std::this_thread::sleep_for(milliseconds(50));
    send_all(c.server.get(), "defgh");
  });
  uint8_t buf[8];
  auto got = c.client->read(buf, 8);
  later.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(**got, 8u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 8), "abcdefgh");
}

TEST(Timing, StreamReadNonBlockingReturnsWhatThereIs) {
  Connected c;
  c.client->set_timeout_ms(0);
  uint8_t buf[8];
  auto none = c.client->read(buf, 8);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(send_all(c.server.get(), "abc"));
  ASSERT_TRUE(c.stack->sleep_ms(20));
  auto some = c.client->read(buf, 8);
  ASSERT_TRUE(some);
  EXPECT_EQ(**some, 3u);
}

TEST(Timing, SleepLetsTheNetworkRun) {
  auto stack = Stack::create();
  const auto start = Clock::now();
  ASSERT_TRUE(stack->sleep_ms(30));
  EXPECT_GE(Clock::now() - start, milliseconds(30));
}

}  // namespace
}  // namespace mpsock
