// A caller blocked for send-buffer room, and the ACKs that make it. With a camera-sized send
// buffer the room is what the peer has not acknowledged yet (the kernel's SIOCOUTQ), and an ACK
// comes with no event, at any moment. The stack's unacked probe answers in the kernel's stead,
// so a test lands the ACK right after the look it chooses: the race between an ACK and a caller
// about to sleep is replayed at every point of the wait, on every run, instead of hoped for.
//
// Pinned here, for each camera profile, with the link plain and shaped: a blocked send, sendall,
// write, poll(POLLOUT) or lingering close wakes whichever look the ACK follows, after at most
// one ACK check; a wait that runs out is ETIMEDOUT (poll: nothing ready), nothing sent; what
// the peer receives is what was sent.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "camera_cases.h"
#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;
using Look = Stack::UnackedLook;

// How long a test gives a woken call. It should take an ACK check (a millisecond); a call that
// slept through its ACK takes forever, or until its own timeout, which the tests keep longer.
constexpr auto kWakeBound = std::chrono::seconds(5);

// The peer's unacknowledged bytes as the core sees them. Off, the kernel answers. Armed, the
// count is `held` until `land_after` looks have been answered, and from then on the kernel's
// (or none, with `everything`: the ACK of the FIN too): the ACK lands right after that look.
class AckSchedule {
 public:
  explicit AckSchedule(Stack& stack) : stack_(stack) {
    stack_.set_unacked_probe([this](Look look, size_t kernel) { return answer(look, kernel); });
  }
  ~AckSchedule() { stack_.set_unacked_probe(nullptr); }

  void arm(size_t held, int land_after, bool everything = false) {
    std::lock_guard<std::mutex> guard(mutex_);
    armed_ = true;
    everything_ = everything;
    held_ = held;
    land_after_ = land_after;
    looks_ = 0;
    checks_after_landing_ = 0;
  }
  // Never lands (until disarmed): the peer never acknowledges.
  void hold(size_t held) { arm(held, -1); }
  void disarm() {
    std::lock_guard<std::mutex> guard(mutex_);
    armed_ = false;
  }
  bool landed() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return armed_ && land_after_ >= 0 && looks_ >= land_after_;
  }
  int looks() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return looks_;
  }
  int ack_checks() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return ack_checks_;
  }
  // ACK checks that ran between the landing and now.
  int checks_after_landing() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return checks_after_landing_;
  }

 private:
  size_t answer(Look look, size_t kernel) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (look == Look::ack_check) ++ack_checks_;
    if (!armed_) return kernel;
    const bool before_landing = land_after_ < 0 || looks_ < land_after_;
    ++looks_;
    if (before_landing) return held_;
    if (look == Look::ack_check) ++checks_after_landing_;
    return everything_ ? 0 : kernel;
  }

  Stack& stack_;
  mutable std::mutex mutex_;
  bool armed_ = false;
  bool everything_ = false;
  size_t held_ = 0;
  int land_after_ = -1;
  int looks_ = 0;
  int ack_checks_ = 0;
  int checks_after_landing_ = 0;
};

std::string pattern(size_t size, uint32_t seed) {
  std::string data(size, '\0');
  std::mt19937 random(seed);
  for (char& c : data) c = static_cast<char>(random());
  return data;
}

const uint8_t* bytes(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// The ACK lands after each of these looks in turn. The first few are the ones a blocked call
// makes around going to sleep; a call makes no more than this before it sleeps.
constexpr int kLandingPoints = 8;

class SendRoomWakeup : public testing::TestWithParam<CameraCase> {
 protected:
  void SetUp() override {
    const Profile* found = find_profile(GetParam().profile);
    ASSERT_NE(found, nullptr);
    profile_ = *found;
  }

  // A client connected to a native server under the case's link, with a probe on its stack.
  struct Pair {
    Connected connected;
    AckSchedule acks;
    explicit Pair(const Profile& profile, const LinkConditions& link)
        : connected(profile), acks(*connected.stack) {
      EXPECT_TRUE(connected.stack->set_conditions(link));
    }
  };

  // Runs `call` on its own thread while the ACK lands after look `land_after`; true when it
  // returned within kWakeBound. If it did not, the socket is closed to end the call.
  template <class Call>
  bool returns_after_ack(Pair& pair, int land_after, Call call) {
    pair.acks.arm(profile_.tcp_snd_buf, land_after);
    std::packaged_task<void()> task(call);
    std::future<void> done = task.get_future();
    std::thread caller(std::move(task));
    const bool woke = done.wait_for(kWakeBound) == std::future_status::ready;
    if (!woke) pair.connected.client->close();
    caller.join();
    return woke;
  }

  Profile profile_;
};

TEST_P(SendRoomWakeup, BlockedSendWakesWhereverTheAckLands) {
  for (int land_after = 1; land_after <= kLandingPoints; ++land_after) {
    Pair pair(profile_, GetParam().link);
    ASSERT_TRUE(pair.connected.ok());
    const std::string data = pattern(100, land_after);
    Result<size_t> sent = Error::os(0);
    int checks = 0;
    const bool woke = returns_after_ack(pair, land_after, [&] {
      sent = pair.connected.client->send(bytes(data), data.size());
      checks = pair.acks.checks_after_landing();
    });
    ASSERT_TRUE(woke) << "the sender slept through the ACK that landed after look " << land_after;
    EXPECT_TRUE(pair.acks.landed())
        << "the send did not wait for the ACK (look " << land_after << ")";
    EXPECT_LE(checks, 1) << "woken later than one ACK check (look " << land_after << ")";
    ASSERT_TRUE(sent) << sent.error().code;
    ASSERT_EQ(*sent, data.size());
    EXPECT_EQ(recv_exactly(pair.connected.server.get(), data.size()), data);
  }
}

TEST_P(SendRoomWakeup, BlockedSendallWakesWhereverTheAckLandsAndDeliversEveryByte) {
  for (int land_after = 1; land_after <= kLandingPoints; ++land_after) {
    Pair pair(profile_, GetParam().link);
    ASSERT_TRUE(pair.connected.ok());
    // More than the send buffer holds: sendall waits for room again after the ACK.
    const std::string data = pattern(3 * profile_.tcp_snd_buf + 123, 100 + land_after);
    std::string received;
    std::thread reader([&] { received = recv_exactly(pair.connected.server.get(), data.size()); });
    Status status;
    const bool woke = returns_after_ack(pair, land_after, [&] {
      status = pair.connected.client->sendall(bytes(data), data.size());
    });
    reader.join();
    ASSERT_TRUE(woke) << "the sender slept through the ACK that landed after look " << land_after;
    ASSERT_TRUE(status) << status.error().code;
    EXPECT_EQ(received.size(), data.size());
    EXPECT_TRUE(received == data) << "the peer received other bytes than were sent (look "
                                  << land_after << ")";
  }
}

TEST_P(SendRoomWakeup, BlockedStreamWriteWakesWhereverTheAckLands) {
  for (int land_after = 1; land_after <= kLandingPoints; ++land_after) {
    Pair pair(profile_, GetParam().link);
    ASSERT_TRUE(pair.connected.ok());
    const std::string data = pattern(2 * profile_.tcp_snd_buf, 200 + land_after);
    std::string received;
    std::thread reader([&] { received = recv_exactly(pair.connected.server.get(), data.size()); });
    Result<std::optional<size_t>> written = Error::os(0);
    const bool woke = returns_after_ack(pair, land_after, [&] {
      written = pair.connected.client->write(bytes(data), data.size());
    });
    reader.join();
    ASSERT_TRUE(woke) << "the writer slept through the ACK that landed after look " << land_after;
    ASSERT_TRUE(written) << written.error().code;
    ASSERT_TRUE(written->has_value());
    EXPECT_EQ(**written, data.size());
    EXPECT_TRUE(received == data);
  }
}

TEST_P(SendRoomWakeup, PollForRoomWakesWhereverTheAckLands) {
  for (int land_after = 1; land_after <= kLandingPoints; ++land_after) {
    Pair pair(profile_, GetParam().link);
    ASSERT_TRUE(pair.connected.ok());
    Poller poller(pair.connected.stack);
    poller.add_socket(1, pair.connected.client, MP_POLLOUT);
    Result<std::vector<Poller::Ready>> ready = Error::os(0);
    int checks = 0;
    const bool woke = returns_after_ack(pair, land_after, [&] {
      ready = poller.poll(-1, false);
      checks = pair.acks.checks_after_landing();
    });
    ASSERT_TRUE(woke) << "poll slept through the ACK that landed after look " << land_after;
    EXPECT_LE(checks, 1) << "woken later than one ACK check (look " << land_after << ")";
    ASSERT_TRUE(ready);
    ASSERT_EQ(ready->size(), 1u);
    EXPECT_EQ((*ready)[0].events, MP_POLLOUT);
  }
}

// The room a wait saw is the room the send takes. Here one look sees the buffer free and the
// next ones full again (as no kernel would, but nothing in the wait may rely on that): a
// blocking write still writes everything, never returning a short count.
TEST_P(SendRoomWakeup, ABlockingWriteTakesTheRoomItsWaitSaw) {
  for (int free_look = 2; free_look <= kLandingPoints; ++free_look) {
    Pair pair(profile_, GetParam().link);
    ASSERT_TRUE(pair.connected.ok());
    pair.acks.disarm();
    int looks = 0;
    const size_t full = profile_.tcp_snd_buf;
    pair.connected.stack->set_unacked_probe([&looks, free_look, full](Look, size_t kernel) {
      ++looks;
      if (looks == free_look) return size_t{0};
      return looks < free_look + 8 ? full : kernel;
    });
    const std::string data = pattern(2 * profile_.tcp_snd_buf, 400 + free_look);
    std::string received;
    std::thread reader([&] { received = recv_exactly(pair.connected.server.get(), data.size()); });
    Result<std::optional<size_t>> written = Error::os(0);
    std::packaged_task<void()> task(
        [&] { written = pair.connected.client->write(bytes(data), data.size()); });
    std::future<void> done = task.get_future();
    std::thread writer(std::move(task));
    const bool returned = done.wait_for(kWakeBound) == std::future_status::ready;
    ::shutdown(pair.connected.server.get(),
               SHUT_RD);  // the reader stops if the write came up short
    pair.connected.client->close();
    writer.join();
    reader.join();
    pair.connected.stack->set_unacked_probe(nullptr);
    ASSERT_TRUE(returned) << "the write slept through its room (free look " << free_look << ")";
    ASSERT_TRUE(written) << written.error().code;
    ASSERT_TRUE(written->has_value());
    EXPECT_EQ(**written, data.size())
        << "a blocking write returned early (free look " << free_look << ")";
    EXPECT_TRUE(received == data.substr(0, received.size()));
  }
}

// lwIP's close waits for the peer's ACK of everything, then frees the pcb; the close timeout
// (here far longer than the test waits) would abort it with a reset instead.
TEST_P(SendRoomWakeup, LingeringCloseEndsWhereverTheLastAckLands) {
  Profile slow_abort = profile_;
  slow_abort.close_timeout_ms = 8000;
  for (int land_after = 1; land_after <= kLandingPoints; ++land_after) {
    Pair pair(slow_abort, GetParam().link);
    ASSERT_TRUE(pair.connected.ok());
    const std::string data = pattern(500, 300 + land_after);
    ASSERT_TRUE(pair.connected.client->sendall(bytes(data), data.size()));
    EXPECT_EQ(recv_exactly(pair.connected.server.get(), data.size()), data);
    pair.acks.arm(data.size(), land_after, true);
    pair.connected.client->close();
    const auto start = Clock::now();
    while (pair.connected.stack->pcbs_in_use(PcbKind::tcp) > 0 &&
           Clock::now() - start < kWakeBound) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    // (An assertion: a close that missed its ACK holds the stack for the close timeout.)
    ASSERT_EQ(pair.connected.stack->pcbs_in_use(PcbKind::tcp), 0)
        << "the close missed the last ACK, which landed after look " << land_after;
    // A graceful close: the peer reads the end of the stream, not a reset.
    char byte;
    EXPECT_EQ(::recv(pair.connected.server.get(), &byte, 1, 0), 0);
    pair.acks.disarm();
  }
}

// The other half of the invariant: with no ACK, the wait runs out. ETIMEDOUT for send,
// sendall and write (a stream write raises it too: mp_stream_rw only returns the count on
// EAGAIN), nothing ready for poll, and nothing was sent. Meanwhile the ACK check kept looking.
TEST_P(SendRoomWakeup, AWaitWithNoAckRunsOutWithEtimedout) {
  Pair pair(profile_, GetParam().link);
  ASSERT_TRUE(pair.connected.ok());
  Socket& client = *pair.connected.client;
  client.set_timeout_ms(60);
  pair.acks.hold(profile_.tcp_snd_buf);
  const std::string data = pattern(1000, 7);

  Result<size_t> sent = client.send(bytes(data), data.size());
  ASSERT_FALSE(sent);
  EXPECT_TRUE(sent.error().is_os(MP_ETIMEDOUT)) << sent.error().code;
  Status all = client.sendall(bytes(data), data.size());
  ASSERT_FALSE(all);
  EXPECT_TRUE(all.error().is_os(MP_ETIMEDOUT)) << all.error().code;
  Result<std::optional<size_t>> written = client.write(bytes(data), data.size());
  ASSERT_FALSE(written);
  EXPECT_TRUE(written.error().is_os(MP_ETIMEDOUT)) << written.error().code;
  Poller poller(pair.connected.stack);
  poller.add_socket(1, pair.connected.client, MP_POLLOUT);
  Result<std::vector<Poller::Ready>> ready = poller.poll(60, false);
  ASSERT_TRUE(ready);
  EXPECT_TRUE(ready->empty());
  EXPECT_GT(pair.acks.ack_checks(), 0) << "nothing looked for the ACK while the calls waited";

  // Nothing went out; once the peer acknowledges, the next send goes through at once.
  pair.acks.disarm();
  ASSERT_TRUE(client.sendall(bytes(data), data.size()));
  EXPECT_EQ(recv_exactly(pair.connected.server.get(), data.size()), data);
  char byte;
  EXPECT_EQ(::recv(pair.connected.server.get(), &byte, 1, MSG_DONTWAIT), -1);
}

// Short counts, where the firmware has them: a send with some room queues what fits without
// waiting, blocking or not; a non-blocking write goes on while there is room and returns what
// it wrote. (The probe's count stays put while they send, so a write may find room again.)
TEST_P(SendRoomWakeup, PartialRoomIsAShortCountNotAWait) {
  Pair pair(profile_, GetParam().link);
  ASSERT_TRUE(pair.connected.ok());
  Socket& client = *pair.connected.client;
  const int server = pair.connected.server.get();
  const std::string data = pattern(1000, 8);
  // Once the peer has the bytes, a shaped link's ACK for them is back within a millisecond.
  const auto link_drains = [&] { ASSERT_TRUE(pair.connected.stack->sleep_ms(20)); };

  client.set_timeout_ms(5000);
  pair.acks.hold(profile_.tcp_snd_buf - 300);
  const auto start = Clock::now();
  Result<size_t> sent = client.send(bytes(data), 1000);
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 300u);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4)) << "a send with room waited";
  EXPECT_EQ(recv_exactly(server, 300), data.substr(0, 300));
  link_drains();

  client.set_timeout_ms(0);
  pair.acks.hold(profile_.tcp_snd_buf - 200);
  sent = client.send(bytes(data) + 300, 700);
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 200u);
  EXPECT_EQ(recv_exactly(server, 200), data.substr(300, 200));
  link_drains();

  pair.acks.hold(profile_.tcp_snd_buf - 100);
  Result<std::optional<size_t>> written = client.write(bytes(data) + 500, 500);
  ASSERT_TRUE(written);
  ASSERT_TRUE(written->has_value());
  const size_t n = **written;
  EXPECT_GE(n, 100u);
  EXPECT_LE(n, 500u);
  EXPECT_EQ(recv_exactly(server, n), data.substr(500, n));
  pair.acks.disarm();
  char byte;
  EXPECT_EQ(::recv(server, &byte, 1, MSG_DONTWAIT), -1) << "more arrived than the write reported";
}

INSTANTIATE_TEST_SUITE_P(CameraProfiles, SendRoomWakeup, testing::ValuesIn(camera_cases()),
                         camera_case_name);

}  // namespace
}  // namespace mpsock
