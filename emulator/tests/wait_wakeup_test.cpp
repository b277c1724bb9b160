// Every wait of the core wakes for what it waits for: a blocked recv for data, the end of the
// stream or a reset; accept for a connection; connect for the answer; poll for readiness; a UDP
// receive for a datagram; a lingering close for the peer's last ACK; and the network thread for
// work a script left it (a shaped send, a write the kernel could not take) while the script
// computes. For each camera profile, over a plain and over shaped links, with the event
// arriving at a few different moments after the call went to sleep. A wait that runs out is
// ETIMEDOUT; bytes arrive as they were sent, in order.
//
// Liveness is checked with a bound far above what a wake-up takes (milliseconds): a call that
// slept through its event runs into the bound, and the test closes its socket to end it.
#include <gtest/gtest.h>

#include <future>
#include <random>
#include <string>
#include <thread>

#include "camera_cases.h"
#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;

constexpr auto kWakeBound = std::chrono::seconds(5);
// Each wait is tried this many times, the event coming 0, 1, 2 or 3 ms after the call started.
constexpr int kRounds = 8;

std::string pattern(size_t size, uint32_t seed) {
  std::string data(size, '\0');
  std::mt19937 random(seed);
  for (char& c : data) c = static_cast<char>(random());
  return data;
}

const uint8_t* bytes(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Starts `call` on its own thread, makes `event` happen `delay_ms` later, and gives the call
// kWakeBound to return. True if it did; otherwise `unblock` ends it (closing its socket).
template <class Call, class Event, class Unblock>
bool wakes_for(Call call, Event event, int delay_ms, Unblock unblock) {
  std::packaged_task<void()> task(call);
  std::future<void> done = task.get_future();
  std::thread caller(std::move(task));
  std::this_thread::sleep_for(milliseconds(delay_ms));
  event();
  const bool woke = done.wait_for(kWakeBound) == std::future_status::ready;
  if (!woke) unblock();
  caller.join();
  return woke;
}

template <class Call, class Unblock>
bool finishes(Call call, Unblock unblock) {
  return wakes_for(
      call, [] {}, 0, unblock);
}

class WaitWakeup : public testing::TestWithParam<CameraCase> {
 protected:
  void SetUp() override {
    const Profile* found = find_profile(GetParam().profile);
    ASSERT_NE(found, nullptr);
    profile_ = *found;
  }

  std::shared_ptr<Stack> make_stack(const Profile& profile) {
    auto stack = Stack::create(profile);
    EXPECT_TRUE(stack->set_conditions(GetParam().link));
    return stack;
  }
  std::shared_ptr<Stack> make_stack() { return make_stack(profile_); }

  // A client of this case's stack connected to a native server.
  std::unique_ptr<Connected> connected() {
    auto pair = std::make_unique<Connected>(profile_);
    EXPECT_TRUE(pair->stack->set_conditions(GetParam().link));
    return pair;
  }

  Profile profile_;
};

TEST_P(WaitWakeup, BlockedRecvWakesForData) {
  auto c = connected();
  ASSERT_TRUE(c->ok());
  for (int round = 0; round < kRounds; ++round) {
    const std::string message = "round " + std::to_string(round);
    uint8_t buf[64];
    Result<size_t> got = Error::os(0);
    const bool woke = wakes_for([&] { got = c->client->recv(buf, sizeof(buf), 0); },
                                [&] { send_all(c->server.get(), message); }, round % 4,
                                [&] { c->client->close(); });
    ASSERT_TRUE(woke) << "recv slept through data sent " << round % 4 << " ms after it blocked";
    ASSERT_TRUE(got) << got.error().code;
    EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *got), message);
  }
}

TEST_P(WaitWakeup, BlockedRecvWakesForTheEndOfTheStreamAndForAReset) {
  auto closing = connected();
  ASSERT_TRUE(closing->ok());
  uint8_t buf[16];
  Result<size_t> got = Error::os(0);
  bool woke = wakes_for([&] { got = closing->client->recv(buf, sizeof(buf), 0); },
                        [&] { ::shutdown(closing->server.get(), SHUT_WR); }, 2,
                        [&] { closing->client->close(); });
  ASSERT_TRUE(woke) << "recv slept through the peer's FIN";
  ASSERT_TRUE(got) << got.error().code;
  EXPECT_EQ(*got, 0u);

  auto resetting = connected();
  ASSERT_TRUE(resetting->ok());
  woke = wakes_for([&] { got = resetting->client->recv(buf, sizeof(buf), 0); },
                   [&] { reset_close(resetting->server); }, 2, [&] { resetting->client->close(); });
  ASSERT_TRUE(woke) << "recv slept through the peer's reset";
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is_os(MP_ECONNRESET)) << got.error().code;
}

TEST_P(WaitWakeup, BlockedAcceptWakesForAConnection) {
  auto stack = make_stack();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(2));
  const uint16_t port = listener->local_endpoint()->port;
  for (int round = 0; round < kRounds; ++round) {
    Result<Accepted> accepted = Error::os(0);
    Fd client;
    const bool woke =
        wakes_for([&] { accepted = listener->accept(); }, [&] { client = tcp_connect(port); },
                  round % 4, [&] { listener->close(); });
    ASSERT_TRUE(woke) << "accept slept through a connection made " << round % 4
                      << " ms after it blocked";
    ASSERT_TRUE(accepted) << accepted.error().code;
    // The connection works both ways.
    ASSERT_TRUE(send_all(client.get(), "hi"));
    uint8_t buf[2];
    auto got = accepted->socket->read(buf, 2);
    ASSERT_TRUE(got && got->has_value());
    EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), **got), "hi");
    accepted->socket->close();
  }
}

TEST_P(WaitWakeup, BlockedConnectWakesForTheAnswer) {
  auto stack = make_stack();
  Fd listener = tcp_listener();
  const uint16_t port = local_port(listener.get());
  for (int round = 0; round < kRounds / 2; ++round) {
    auto client = open(stack, MP_SOCK_STREAM);
    Status status;
    ASSERT_TRUE(
        finishes([&] { status = client->connect(endpoint(port)); }, [&] { client->close(); }))
        << "connect slept through the server's answer";
    ASSERT_TRUE(status) << status.error().code;
    Fd server = tcp_accept(listener.get());
    ASSERT_GE(server.get(), 0);
    client->close();
  }

  // A refusal is an answer too: lwIP reports the RST as ECONNRESET.
  uint16_t closed_port;
  {
    Fd probe = tcp_listener();
    closed_port = local_port(probe.get());
  }
  auto refused = open(stack, MP_SOCK_STREAM);
  Status status;
  ASSERT_TRUE(finishes([&] { status = refused->connect(endpoint(closed_port)); },
                       [&] { refused->close(); }))
      << "connect slept through the refusal";
  ASSERT_FALSE(status);
  EXPECT_TRUE(status.error().is_os(MP_ECONNRESET)) << status.error().code;
  refused->close();

  // Non-blocking: EINPROGRESS, and the completion wakes a poll for POLLOUT. From v1.24 a
  // connect answered within its one poll completes at once (as on the board, on a fast link),
  // so the peer holds the handshake back until the poll sleeps: its full accept queue drops
  // the SYN, and the client's retransmission (about a second later) finds room.
  Unanswering slow;
  auto later = open(stack, MP_SOCK_STREAM);
  later->set_timeout_ms(0);
  status = later->connect(endpoint(slow.port()));
  ASSERT_FALSE(status);
  EXPECT_TRUE(status.error().is_os(MP_EINPROGRESS)) << status.error().code;
  Poller poller(stack);
  poller.add_socket(1, later, MP_POLLOUT);
  Result<std::vector<Poller::Ready>> ready = Error::os(0);
  Fd filler;
  ASSERT_TRUE(wakes_for([&] { ready = poller.poll(-1, false); },
                        [&] { filler = tcp_accept(slow.listener.get()); }, 2, [&] { later->close(); }))
      << "poll slept through the connection's completion";
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].events, MP_POLLOUT);
}

TEST_P(WaitWakeup, PollWakesForDataAndForTheEndOfTheStream) {
  auto c = connected();
  ASSERT_TRUE(c->ok());
  Poller poller(c->stack);
  poller.add_socket(1, c->client, MP_POLLIN);
  for (int round = 0; round < kRounds; ++round) {
    Result<std::vector<Poller::Ready>> ready = Error::os(0);
    const bool woke =
        wakes_for([&] { ready = poller.poll(-1, false); }, [&] { send_all(c->server.get(), "x"); },
                  round % 4, [&] { c->client->close(); });
    ASSERT_TRUE(woke) << "poll slept through data sent " << round % 4 << " ms after it blocked";
    ASSERT_TRUE(ready);
    ASSERT_EQ(ready->size(), 1u);
    EXPECT_EQ((*ready)[0].events, MP_POLLIN);
    uint8_t byte;
    ASSERT_TRUE(c->client->recv(&byte, 1, 0));
  }
  Result<std::vector<Poller::Ready>> ready = Error::os(0);
  ASSERT_TRUE(wakes_for([&] { ready = poller.poll(-1, false); },
                        [&] { ::shutdown(c->server.get(), SHUT_WR); }, 2,
                        [&] { c->client->close(); }))
      << "poll slept through the peer's FIN";
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_TRUE((*ready)[0].events & MP_POLLIN);
}

TEST_P(WaitWakeup, BlockedUdpReceiveWakesForADatagram) {
  auto stack = make_stack();
  auto udp = open(stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(udp->bind(endpoint(0)));
  const sockaddr_in to = loopback(udp->local_endpoint()->port);
  Fd sender = udp_socket();
  for (int round = 0; round < kRounds; ++round) {
    const std::string message = "datagram " + std::to_string(round);
    uint8_t buf[64];
    Endpoint from;
    Result<size_t> got = Error::os(0);
    const bool woke = wakes_for([&] { got = udp->recvfrom(buf, sizeof(buf), 0, &from); },
                                [&] {
                                  ::sendto(sender.get(), message.data(), message.size(), 0,
                                           reinterpret_cast<const sockaddr*>(&to), sizeof(to));
                                },
                                round % 4, [&] { udp->close(); });
    ASSERT_TRUE(woke) << "the receive slept through a datagram sent " << round % 4
                      << " ms after it blocked";
    ASSERT_TRUE(got) << got.error().code;
    EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *got), message);
    EXPECT_EQ(from.port, local_port(sender.get()));
  }
}

TEST_P(WaitWakeup, WaitsThatRunOutAreEtimedoutAndNonBlockingOnesEagain) {
  auto c = connected();
  ASSERT_TRUE(c->ok());
  uint8_t buf[8];
  c->client->set_timeout_ms(50);
  Result<size_t> got = c->client->recv(buf, sizeof(buf), 0);
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is_os(MP_ETIMEDOUT)) << got.error().code;
  c->client->set_timeout_ms(0);
  got = c->client->recv(buf, sizeof(buf), 0);
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is_os(MP_EAGAIN)) << got.error().code;

  auto stack = make_stack();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(2));
  listener->set_timeout_ms(50);
  Result<Accepted> accepted = listener->accept();
  ASSERT_FALSE(accepted);
  EXPECT_TRUE(accepted.error().is_os(MP_ETIMEDOUT)) << accepted.error().code;
  listener->set_timeout_ms(0);
  accepted = listener->accept();
  ASSERT_FALSE(accepted);
  EXPECT_TRUE(accepted.error().is_os(MP_EAGAIN)) << accepted.error().code;

  auto udp = open(stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(udp->bind(endpoint(0)));
  udp->set_timeout_ms(50);
  got = udp->recv(buf, sizeof(buf), 0);
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().is_os(MP_ETIMEDOUT)) << got.error().code;

  Poller poller(c->stack);
  poller.add_socket(1, c->client, MP_POLLIN);
  Result<std::vector<Poller::Ready>> ready = poller.poll(50, false);
  ASSERT_TRUE(ready);
  EXPECT_TRUE(ready->empty());
}

// lwIP's close goes on after close() returns: the rest of the data, then the FIN, then the
// peer's ACK of it all frees the pcb. Here the peer's window is small and it reads late, so
// the close waits on real ACKs, which come in with no event.
TEST_P(WaitWakeup, LingeringCloseToASlowReaderEndsOnceItHasReadEverything) {
  Profile slow_abort = profile_;
  slow_abort.close_timeout_ms = 8000;
  Fd listener = tcp_listener();
  const int small = 2048;
  setsockopt(listener.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  auto stack = make_stack(slow_abort);
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  ASSERT_GE(server.get(), 0);
  const std::string data = pattern(profile_.tcp_snd_buf, 17);
  ASSERT_TRUE(client->sendall(bytes(data), data.size()));
  client->close();
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(stack->pcbs_in_use(PcbKind::tcp), 1)
      << "nothing was left to acknowledge: the test tests nothing";

  // A slow reader: a little at a time, to the end of the stream (a reset would end it early).
  std::string received;
  char buf[512];
  for (;;) {
    const ssize_t n = ::recv(server.get(), buf, sizeof(buf), 0);
    if (n <= 0) {
      EXPECT_EQ(n, 0) << "the close was not graceful: errno " << errno;
      break;
    }
    received.append(buf, static_cast<size_t>(n));
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_TRUE(received == data) << received.size() << " of " << data.size()
                                << " bytes, or other bytes";
  const auto start = Clock::now();
  while (stack->pcbs_in_use(PcbKind::tcp) > 0 && Clock::now() - start < kWakeBound) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(stack->pcbs_in_use(PcbKind::tcp), 0) << "the close missed the peer's last ACK";
}

// A script that sends and then computes (an OpenMV loop grabbing the next frame) makes no call
// that runs the loop: the network thread moves its data. It may already be running (here for
// the event callback), asleep until the loop's next timer or event as they were before.
TEST_P(WaitWakeup, DataCrossesWhileTheScriptComputes) {
  auto c = connected();
  ASSERT_TRUE(c->ok());
  c->client->set_event_hook([] {});
  std::this_thread::sleep_for(milliseconds(20));  // the network thread has gone to sleep
  for (int round = 0; round < kRounds / 2; ++round) {
    const std::string frame = pattern(1000 + round, 40 + round);
    ASSERT_TRUE(c->client->sendall(bytes(frame), frame.size()));
    // No call into the stack until the peer has it all.
    ASSERT_TRUE(recv_exactly(c->server.get(), frame.size()) == frame)
        << "the frame did not cross while the script made no call";
  }
  c->client->set_event_hook(nullptr);
}

// Blocking sendall against a reading peer, fast and slow: every byte, once, in order. The ACKs
// here are the kernel's own.
TEST_P(WaitWakeup, SendallDeliversEveryByteToAFastAndASlowReader) {
  for (const bool slow : {false, true}) {
    auto c = connected();
    ASSERT_TRUE(c->ok());
    const std::string data = pattern(256 * 1024, slow ? 2 : 1);
    std::string received;
    std::thread reader([&] {
      char buf[1460];
      while (received.size() < data.size()) {
        const ssize_t n = ::recv(c->server.get(), buf, slow ? 700 : sizeof(buf), 0);
        if (n <= 0) break;
        received.append(buf, static_cast<size_t>(n));
        if (slow) std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
    });
    Status status;
    const bool done = wakes_for([&] { status = c->client->sendall(bytes(data), data.size()); },
                                [] {}, 0, [&] { c->client->close(); });
    reader.join();
    ASSERT_TRUE(done) << "sendall stalled (" << (slow ? "slow" : "fast") << " reader, "
                      << received.size() << " bytes received)";
    ASSERT_TRUE(status) << status.error().code;
    EXPECT_EQ(received.size(), data.size());
    EXPECT_TRUE(received == data) << "the peer received other bytes than were sent";
  }
}

// The other direction: a blocking read gets every byte of a fast and of a slow sender.
TEST_P(WaitWakeup, BlockingReadGetsEveryByteFromAFastAndASlowSender) {
  for (const bool slow : {false, true}) {
    auto c = connected();
    ASSERT_TRUE(c->ok());
    const std::string data = pattern(256 * 1024, slow ? 4 : 3);
    std::thread writer([&] {
      for (size_t offset = 0; offset < data.size();) {
        const size_t n = std::min<size_t>(slow ? 700 : 65536, data.size() - offset);
        if (!send_all(c->server.get(), data.substr(offset, n))) return;
        offset += n;
        if (slow) std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
    });
    std::string received(data.size(), '\0');
    Result<std::optional<size_t>> got = Error::os(0);
    const bool done = wakes_for(
        [&] {
          got = c->client->read(reinterpret_cast<uint8_t*>(received.data()), received.size());
        },
        [] {}, 0, [&] { c->client->close(); });
    writer.join();
    ASSERT_TRUE(done) << "read stalled (" << (slow ? "slow" : "fast") << " sender)";
    ASSERT_TRUE(got) << got.error().code;
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, data.size());
    EXPECT_TRUE(received == data) << "the script read other bytes than were sent";
  }
}

INSTANTIATE_TEST_SUITE_P(CameraProfiles, WaitWakeup, testing::ValuesIn(camera_cases()),
                         camera_case_name);

// The desktop profile's send buffer is large enough that the kernel refuses part of a send: the
// rest waits in a libuv write that only the loop finishes. With the network thread running
// already, the script's send is the only thing that can tell it so.
TEST(BackgroundProgress, AWriteTheKernelRefusedDrainsWhileTheScriptComputes) {
  Connected c(*find_profile("desktop"));
  ASSERT_TRUE(c.ok());
  c.client->set_event_hook([] {});
  std::this_thread::sleep_for(milliseconds(20));
  c.client->set_timeout_ms(0);
  const std::string data = pattern(4 << 20, 5);
  Result<size_t> sent = c.client->send(bytes(data), data.size());
  ASSERT_TRUE(sent) << sent.error().code;
  const std::string received = recv_exactly(c.server.get(), *sent);
  EXPECT_EQ(received.size(), *sent) << "the queued write stopped while the script made no call";
  EXPECT_TRUE(received == data.substr(0, *sent));
  c.client->set_event_hook(nullptr);
}

}  // namespace
}  // namespace mpsock
