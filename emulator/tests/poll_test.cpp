// Poll flags (modlwip lwip_socket_ioctl) and the poll object (modselect).
#include <gtest/gtest.h>

#include <thread>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
constexpr int kInOut = MP_POLLIN | MP_POLLOUT;


// Polls until the socket reports something beyond `quiet`.
int wait_for_change(Connected& c, int quiet) {
  for (int i = 0; i < 200; ++i) {
    EXPECT_TRUE(c.stack->sleep_ms(5));
    const int now = c.client->poll(kInOut);
    if (now != quiet) return now;
  }
  return c.client->poll(kInOut);
}

TEST(PollFlags, NewSocketIsHupAndOut) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_STREAM);
  EXPECT_EQ(s->poll(kInOut), MP_POLLHUP | MP_POLLOUT);
  EXPECT_EQ(s->poll(0), MP_POLLHUP);  // HUP is reported even when not asked for
}

TEST(PollFlags, ConnectedIsWritableAndReadableWithData) {
  Connected c;
  EXPECT_EQ(c.client->poll(kInOut), MP_POLLOUT);
  ASSERT_TRUE(send_all(c.server.get(), "x"));
  EXPECT_EQ(wait_for_change(c, MP_POLLOUT), kInOut);
}

TEST(PollFlags, PeerCloseReportsWhatWasAsked) {
  Connected c;
  c.server.reset();
  EXPECT_EQ(wait_for_change(c, MP_POLLOUT), kInOut);
  EXPECT_EQ(c.client->poll(MP_POLLIN), MP_POLLIN);
}

TEST(PollFlags, ResetBeforeAndAfterItWasReported) {
  Connected c;
  reset_close(c.server);
  EXPECT_EQ(wait_for_change(c, MP_POLLOUT), MP_POLLIN | MP_POLLOUT | MP_POLLERR | MP_POLLHUP);
  uint8_t buf[4];
  ASSERT_TRUE(c.client->recv(buf, 4, 0).error().is_os(MP_ECONNRESET));
  EXPECT_EQ(c.client->poll(kInOut), MP_POLLIN | MP_POLLHUP);
}

TEST(PollFlags, ClosedIsNval) {
  Connected c;
  c.client->close();
  EXPECT_EQ(c.client->poll(kInOut), MP_POLLNVAL);
}

TEST(PollFlags, ListenerIsReadableWithAWaitingConnection) {
  auto stack = Stack::create();
  auto listener = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(listener->bind(endpoint(0)));
  ASSERT_TRUE(listener->listen(2));
  EXPECT_EQ(listener->poll(MP_POLLIN), 0);
  Fd client = tcp_connect(listener->local_endpoint()->port);
  Poller poller(stack);
  poller.add_socket(7, listener, MP_POLLIN);
  auto ready = poller.poll(5000, false);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].key, 7u);
  EXPECT_EQ((*ready)[0].events, MP_POLLIN);
}

TEST(PollFlags, UdpIsAlwaysWritable) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_DGRAM);
  EXPECT_EQ(s->poll(kInOut), MP_POLLOUT);
}

TEST(Poller, TimeoutZeroReturnsAtOnceAndTimeoutWaits) {
  Connected c;
  Poller poller(c.stack);
  poller.add_socket(1, c.client, MP_POLLIN);
  auto none = poller.poll(0, false);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  const auto start = Clock::now();
  auto later = poller.poll(80, false);
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->empty());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(80));
}

TEST(Poller, ModifyUnregisteredFailsAndUnregisterIsQuiet) {
  Connected c;
  Poller poller(c.stack);
  EXPECT_FALSE(poller.modify(1, MP_POLLIN));
  poller.remove(1);
  poller.add_socket(1, c.client, MP_POLLIN);
  poller.add_socket(1, c.client, MP_POLLOUT);  // registering again replaces the mask
  EXPECT_EQ(poller.size(), 1u);
  auto ready = poller.poll(0, false);
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].events, MP_POLLOUT);
}

TEST(Poller, OneShotDisarmsUntilModify) {
  Connected c;
  Poller poller(c.stack);
  poller.add_socket(1, c.client, MP_POLLOUT);
  auto first = poller.poll(0, true);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 1u);
  auto second = poller.poll(0, true);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->empty());
  ASSERT_TRUE(poller.modify(1, MP_POLLOUT));
  auto third = poller.poll(0, true);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->size(), 1u);
}

TEST(Poller, HostDescriptors) {
  auto stack = Stack::create();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  Poller poller(stack);
  poller.add_fd(1, fds[0], MP_POLLIN);
  auto idle = poller.poll(0, false);
  ASSERT_TRUE(idle);
  EXPECT_TRUE(idle->empty());
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    (void)!::write(fds[1], "x", 1);
  });
  auto ready = poller.poll(5000, false);
  writer.join();
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 1u);
  EXPECT_EQ((*ready)[0].events, MP_POLLIN);
  poller.remove(1);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(Poller, StreamsKeepTheirPlaceInTheOrder) {
  Connected c;
  Poller poller(c.stack);
  poller.add_stream(1, MP_POLLIN);
  poller.add_socket(2, c.client, MP_POLLOUT);
  poller.add_stream(3, MP_POLLOUT);
  const std::vector<Poller::Ready> streams = poller.streams();
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].key, 1u);
  EXPECT_EQ(streams[1].key, 3u);
  EXPECT_EQ(streams[1].events, MP_POLLOUT);
  // What the owner found for its streams comes back in registration order, with the sockets.
  auto ready = poller.poll(-1, false, {{3, MP_POLLOUT}, {1, MP_POLLIN}});
  ASSERT_TRUE(ready);
  ASSERT_EQ(ready->size(), 3u);
  EXPECT_EQ((*ready)[0].key, 1u);
  EXPECT_EQ((*ready)[1].key, 2u);
  EXPECT_EQ((*ready)[2].key, 3u);
}

TEST(Poller, StreamsTakeModifyAndOneShot) {
  auto stack = Stack::create();
  Poller poller(stack);
  poller.add_stream(1, MP_POLLIN);
  ASSERT_TRUE(poller.modify(1, MP_POLLOUT));
  EXPECT_EQ(poller.streams()[0].events, MP_POLLOUT);
  auto first = poller.poll(0, true, {{1, MP_POLLOUT}});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 1u);
  EXPECT_EQ(poller.streams()[0].events, 0);  // disarmed until modify()
  poller.remove(1);
  EXPECT_TRUE(poller.streams().empty());
}

TEST(Poller, ANotReadyStreamWaitsOnTheSocketItNames) {
  Connected c;
  Poller poller(c.stack);
  poller.add_stream(1, MP_POLLIN);
  // Nothing to read yet: the wait ends only when the socket under the stream has data, and
  // returns nothing, so the owner asks its stream again.
  auto idle = poller.poll(0, false, {}, {{c.client, MP_POLLIN}});
  ASSERT_TRUE(idle);
  EXPECT_TRUE(idle->empty());
  std::thread sender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_TRUE(send_all(c.server.get(), "x"));
  });
  const auto start = Clock::now();
  auto woken = poller.poll(5000, false, {}, {{c.client, MP_POLLIN}});
  sender.join();
  ASSERT_TRUE(woken);
  EXPECT_TRUE(woken->empty());
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(4000));
}

}  // namespace
}  // namespace mpsock
