// A blocking TCP receive with no timeout, on a socket the loop serves alone, sleeps in the
// kernel's recv on the socket's file made blocking (TcpSocket::sleep_in_recv). The file is
// lent: the stack takes it back before the loop runs or libuv writes, a turn of the loop meanwhile
// leaves the bytes to the sleeper, a close from another thread ends the sleep, and a signal
// the sleep missed is seen at its next look.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;

// The emulator's kernel socket for the connection whose native end is `server`: the
// descriptor of this process connected from the port `server` is connected to.
int kernel_fd_of(const Connected& c) {
  sockaddr_in peer{};
  socklen_t length = sizeof(peer);
  getpeername(c.server.get(), reinterpret_cast<sockaddr*>(&peer), &length);
  for (int fd = 3; fd < 4096; ++fd) {
    sockaddr_in local{};
    length = sizeof(local);
    if (fd == c.server.get() || getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0)
      continue;
    if (local.sin_family == AF_INET && local.sin_port == peer.sin_port) return fd;
  }
  return -1;
}

const Profile& desktop() {
  return *find_profile("desktop");
}

bool file_blocks(int fd) {
  return (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0;
}

// Runs `call` in a thread and waits up to 5 s for it: a sleep that nothing ends fails the test
// (the caller then ends it, closing the peer) instead of hanging it.
template <class Call>
std::future<std::string> in_thread(Call call) {
  return std::async(std::launch::async, call);
}

bool done_within(std::future<std::string>& result, int ms) {
  return result.wait_for(milliseconds(ms)) == std::future_status::ready;
}

// Under the desktop profile the segment goes straight into the caller's buffer; under a
// camera's the read is a block, queued, taken a segment (800 bytes) at a time.
TEST(SleepInRecv, ReceivesInTheKernelsRecvOnABlockingFile) {
  for (const char* name : {"desktop", "openmv-rt1062"}) {
    SCOPED_TRACE(name);
    const size_t segment = find_profile(name)->tcp_mss;
    Connected c(*find_profile(name));
    ASSERT_TRUE(c.ok());
    run_loop_once(*c.stack);
    const int fd = kernel_fd_of(c);
    ASSERT_GE(fd, 0);
    EXPECT_FALSE(file_blocks(fd));
    const uint64_t before = turns_of(*c.stack);
    const std::string data(2000, 'x');
    std::thread late = send_later(c.server.get(), data);
    std::string got = recv_as_text(*c.client, 4000);
    late.join();
    EXPECT_EQ(got.size(), std::min(segment, data.size()));
    // Lent, and kept between calls.
    EXPECT_TRUE(file_blocks(fd));
    while (got.size() < data.size()) {
      const std::string more = recv_as_text(*c.client, 4000);
      ASSERT_FALSE(more.empty() || more[0] == '<') << more;
      got += more;
    }
    EXPECT_EQ(got, data);
    send_all(c.server.get(), "pong");
    EXPECT_EQ(recv_as_text(*c.client, 100), "pong");
    EXPECT_EQ(turns_of(*c.stack), before);
    // A turn of the loop takes the file back.
    run_loop_once(*c.stack);
    EXPECT_FALSE(file_blocks(fd));
    // The end of the stream, which the loop delivers, ends the sleep too.
    c.server.reset();
    EXPECT_EQ(recv_as_text(*c.client, 100), "");
  }
}

// With a timeout the receive sleeps in a poll(2) as before, and the file stays non-blocking.
TEST(SleepInRecv, NotWithATimeout) {
  Connected c(desktop());
  ASSERT_TRUE(c.ok());
  run_loop_once(*c.stack);
  const int fd = kernel_fd_of(c);
  c.client->set_timeout_ms(5000);
  std::thread late = send_later(c.server.get(), "ping");
  EXPECT_EQ(recv_as_text(*c.client, 100), "ping");
  late.join();
  EXPECT_FALSE(file_blocks(fd));
}

// Another thread's turn of the loop while the receive sleeps (here a second socket's
// non-blocking receive) takes the file back and leaves the connection's bytes to the sleeper,
// which gets them; the loop reads the connection again once it is back.
TEST(SleepInRecv, ALoopTurnMeanwhileLeavesTheBytesToTheSleeper) {
  Connected c(desktop());
  ASSERT_TRUE(c.ok());
  run_loop_once(*c.stack);
  const int fd = kernel_fd_of(c);
  std::future<std::string> sleeper = in_thread([&] { return recv_as_text(*c.client, 100); });
  std::this_thread::sleep_for(milliseconds(50));
  auto other = open(c.stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->bind(Endpoint{IpAddress::loopback(), 0}));
  other->set_timeout_ms(0);
  uint8_t buf[8];
  EXPECT_TRUE(other->recv(buf, sizeof(buf), 0).error().is_os(MP_EAGAIN));  // a turn of the loop
  EXPECT_FALSE(file_blocks(fd));
  send_all(c.server.get(), "ping");
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(other->recv(buf, sizeof(buf), 0).error().is_os(MP_EAGAIN));  // more turns
  }
  const bool woke = done_within(sleeper, 5000);
  if (!woke) c.server.reset();
  ASSERT_TRUE(woke) << "the loop took the sleeper's bytes";
  EXPECT_EQ(sleeper.get(), "ping");
  // With the second socket open the receive waits in the loop, which reads the connection.
  c.client->set_timeout_ms(5000);
  send_all(c.server.get(), "pong");
  EXPECT_EQ(recv_as_text(*c.client, 100), "pong");
  EXPECT_FALSE(file_blocks(fd));
}

// A close from another thread ends the sleep (EBADF, as for any blocked receive), and the
// descriptor closes only once the sleeper is out of the kernel.
TEST(SleepInRecv, ACloseFromAnotherThreadEndsIt) {
  Connected c(desktop());
  ASSERT_TRUE(c.ok());
  run_loop_once(*c.stack);
  std::future<std::string> sleeper = in_thread([&] { return recv_as_text(*c.client, 100); });
  std::this_thread::sleep_for(milliseconds(50));
  c.client->close();
  const bool woke = done_within(sleeper, 5000);
  if (!woke) c.server.reset();
  ASSERT_TRUE(woke);
  EXPECT_EQ(sleeper.get(), "<errno " + std::to_string(MP_EBADF) + ">");
}

// A send the kernel cannot take whole queues the rest for libuv, which writes at once: on a
// lent file that write would block. The stack takes the file back first, so a non-blocking
// send returns what was taken.
TEST(SleepInRecv, ASendThatQueuesTakesTheFileBack) {
  Connected c(desktop());
  ASSERT_TRUE(c.ok());
  run_loop_once(*c.stack);
  const int fd = kernel_fd_of(c);
  send_all(c.server.get(), "ping");
  EXPECT_EQ(recv_as_text(*c.client, 100), "ping");
  ASSERT_TRUE(file_blocks(fd));
  c.client->set_timeout_ms(0);
  std::future<std::string> sender = in_thread([&] {
    const std::string data(64 << 20, 'x');  // more than loopback's buffers hold
    size_t sent = 0;
    for (int i = 0; i < 8; ++i) {
      auto n = c.client->send(reinterpret_cast<const uint8_t*>(data.data()), data.size());
      if (n) sent += *n;
    }
    return std::to_string(sent);
  });
  const bool returned = done_within(sender, 5000);
  if (!returned) recv_exactly(c.server.get(), 64 << 20);
  ASSERT_TRUE(returned) << "a send blocked on the lent file";
  EXPECT_GT(std::stoul(sender.get()), 0u);
  EXPECT_FALSE(file_blocks(fd));
}

class LookedAtInterrupts : public InterruptSource {
 public:
  explicit LookedAtInterrupts(int fd) : fd_(fd) {}
  int wakeup_fd() override { return fd_; }
  bool interrupted() override {
    ++seen;
    return true;
  }
  std::atomic<int> seen{0};

 private:
  int fd_;
};

// A signal that lands after the receive's last look and before its recv begins leaves only its
// mark on the wake-up descriptor: the recv gives up every 100 ms to look at it. Here the mark is
// there before the receive starts and no signal comes at all.
TEST(SleepInRecv, ASignalItMissedIsSeenAtTheNextLook) {
  Connected c(desktop());
  ASSERT_TRUE(c.ok());
  int marks[2];
  ASSERT_EQ(pipe2(marks, O_NONBLOCK | O_CLOEXEC), 0);
  ASSERT_EQ(write(marks[1], "x", 1), 1);
  LookedAtInterrupts interrupts(marks[0]);
  c.stack->set_interrupt_source(&interrupts);
  run_loop_once(*c.stack);
  // The first receive lends the file (and sets its look) on the way; the pipe stays marked.
  send_all(c.server.get(), "ping");
  EXPECT_EQ(recv_as_text(*c.client, 100), "ping");
  const auto started = std::chrono::steady_clock::now();
  std::future<std::string> sleeper = in_thread([&] { return recv_as_text(*c.client, 100); });
  const bool woke = done_within(sleeper, 3000);
  if (!woke) c.server.reset();
  ASSERT_TRUE(woke);
  EXPECT_EQ(sleeper.get(), "<errno " + std::to_string(MP_EINTR) + ">");
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1000));
  EXPECT_GE(interrupts.seen.load(), 1);
  c.stack->set_interrupt_source(nullptr);
  close(marks[0]);
  close(marks[1]);
}

}  // namespace
}  // namespace mpsock
