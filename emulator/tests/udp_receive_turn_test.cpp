// A UDP receive with nothing queued reads the kernel itself instead of running a turn of the
// loop (UdpSocket::receive_turn). It must behave exactly as the turn would: the queue limit,
// truncation, peek, the link and the trace. Each test runs the same exchange on a "quiet" stack
// (the socket is all the loop serves, so a receive may also sleep on the socket alone) and,
// where it compares, on a "busy" one (a second socket is open: the receive still reads the
// kernel itself, and runs the loop only to wait) and through the loop (before each receive
// with nothing queued the test runs a turn, which queues what the kernel holds, as the receive
// did before it had the shortcut).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;

// recv, as text; "<errno N>" for an error.
std::string recv_text(Socket& socket, size_t n, int flags = 0) {
  std::string buf(n, '\0');
  auto got = socket.recvfrom(reinterpret_cast<uint8_t*>(&buf[0]), n, flags, nullptr);
  if (!got) return "<errno " + std::to_string(got.error().code) + ">";
  buf.resize(*got);
  return buf;
}

enum class Mode { quiet, busy, through_loop };
constexpr Mode kModes[] = {Mode::quiet, Mode::busy, Mode::through_loop};

const char* name_of(Mode mode) {
  switch (mode) {
    case Mode::quiet:
      return "quiet";
    case Mode::busy:
      return "busy";
    case Mode::through_loop:
      return "through the loop";
  }
  return "?";
}

// A bound socket, after a turn of the loop (as any call that waited would have run): the socket
// is in the loop's poll set and the loop has nothing pending, so the shortcut can apply at once.
struct Receiver {
  Mode mode;
  std::shared_ptr<Stack> stack;
  std::shared_ptr<Socket> socket;
  std::shared_ptr<Socket> other;  // busy, through the loop: keeps a second handle on the loop
  uint16_t port = 0;

  explicit Receiver(Mode how, std::shared_ptr<Stack> on = Stack::create())
      : mode(how), stack(std::move(on)) {
    socket = open(stack, MP_SOCK_DGRAM);
    EXPECT_TRUE(socket->bind(endpoint(0)));
    port = socket->local_endpoint()->port;
    if (mode != Mode::quiet) {
      other = open(stack, MP_SOCK_DGRAM);
      EXPECT_TRUE(other->bind(endpoint(0)));
    }
    run_loop_once(*stack);
  }

  std::string recv(size_t n, int flags = 0) {
    if (mode == Mode::through_loop) {
      // The loop's turn reads the kernel when the queue is empty; the receive takes from it.
      std::lock_guard<std::mutex> guard(stack->mutex());
      if ((socket->poll_locked(MP_POLLIN) & MP_POLLIN) == 0) stack->pump();
    }
    return recv_text(*socket, n, flags);
  }

  // Non-blocking receives until EAGAIN.
  std::vector<std::string> drain(size_t n = 16) {
    std::vector<std::string> got;
    for (;;) {
      const std::string one = recv(n, MP_MSG_DONTWAIT);
      if (one == "<errno 11>") return got;
      got.push_back(one);
    }
  }
};

// Sends `data` to `port` from another thread 50 ms from now, when a receive started now is
// asleep in its wait.
std::thread send_later(int fd, std::string data, uint16_t port) {
  return std::thread([fd, data = std::move(data), port] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    native_sendto(fd, data, port);
  });
}

// Lets datagrams sent over loopback reach the receiver's kernel socket, without running the
// emulator's loop (a stack sleep would).
void let_arrive() {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::vector<std::string> numbers(std::initializer_list<int> list) {
  std::vector<std::string> out;
  for (int n : list) out.push_back(std::to_string(n));
  return out;
}

TEST(UdpReceiveTurn, TakesAWaitingDatagramWithoutRunningTheLoop) {
  Receiver quiet(Mode::quiet);
  Fd peer = udp_socket();
  native_sendto(peer.get(), "ping", quiet.port);
  let_arrive();
  run_loop_once(*quiet.stack);  // queues "ping"
  native_sendto(peer.get(), "pong", quiet.port);
  let_arrive();
  const uint64_t turns = turns_of(*quiet.stack);
  EXPECT_EQ(quiet.recv(16), "ping");
  EXPECT_EQ(quiet.recv(16), "pong");
  EXPECT_EQ(quiet.recv(16, MP_MSG_DONTWAIT), "<errno 11>");
  EXPECT_EQ(turns_of(*quiet.stack), turns);

  // Another socket open: a datagram the kernel holds is still taken without a turn; a
  // non-blocking receive that finds none lets the network run once, as modlwip's poll_sockets does.
  Receiver busy(Mode::busy);
  native_sendto(peer.get(), "ping", busy.port);
  let_arrive();
  const uint64_t busy_turns = turns_of(*busy.stack);
  EXPECT_EQ(busy.recv(16), "ping");
  EXPECT_EQ(turns_of(*busy.stack), busy_turns);
  EXPECT_EQ(busy.recv(16, MP_MSG_DONTWAIT), "<errno 11>");
  EXPECT_GT(turns_of(*busy.stack), busy_turns);
}

// Datagrams that arrived while nobody received: the first four are kept, the rest dropped,
// as when a turn of the loop queues them.
TEST(UdpReceiveTurn, QueueLimitHoldsForDatagramsWaitingInTheKernel) {
  for (Mode mode : kModes) {
    Receiver r(mode);
    Fd peer = udp_socket();
    for (int i = 1; i <= 6; ++i) native_sendto(peer.get(), std::to_string(i), r.port);
    let_arrive();
    EXPECT_EQ(r.drain(), numbers({1, 2, 3, 4})) << name_of(mode);
    // Blocking, the dropped ones do not turn up later either.
    r.socket->set_timeout_ms(50);
    EXPECT_EQ(r.recv(16), "<errno 110>");
  }
}

// More than one turn's worth (uv__udp_recvmsg reads 32 a turn): the same datagrams survive
// whether the loop's turns or the receives read them.
TEST(UdpReceiveTurn, BurstLongerThanATurnKeepsWhatTheLoopKeeps) {
  std::vector<std::string> kept[3];
  for (Mode mode : kModes) {
    Receiver r(mode);
    Fd peer = udp_socket();
    for (int i = 0; i < 40; ++i) native_sendto(peer.get(), std::to_string(i), r.port);
    let_arrive();
    kept[static_cast<int>(mode)] = r.drain();
  }
  EXPECT_EQ(kept[0], kept[2]);
  EXPECT_EQ(kept[1], kept[2]);
  ASSERT_EQ(kept[0].size(), 8u);  // four from each of two turns
  EXPECT_EQ(std::vector<std::string>(kept[0].begin(), kept[0].begin() + 4), numbers({0, 1, 2, 3}));
}

TEST(UdpReceiveTurn, TruncatesAndDiscardsTheRestWithMoreWaiting) {
  Receiver r(Mode::quiet);
  Fd peer = udp_socket();
  native_sendto(peer.get(), "0123456789", r.port);
  native_sendto(peer.get(), "next", r.port);
  native_sendto(peer.get(), "", r.port);
  let_arrive();
  EXPECT_EQ(r.recv(4), "0123");
  EXPECT_EQ(r.recv(100), "next");
  EXPECT_EQ(r.recv(100, MP_MSG_DONTWAIT), "");
  EXPECT_EQ(r.recv(100, MP_MSG_DONTWAIT), "<errno 11>");
}

TEST(UdpReceiveTurn, PeekLeavesAWaitingDatagram) {
  Receiver r(Mode::quiet);
  Fd peer = udp_socket();
  native_sendto(peer.get(), "once", r.port);
  let_arrive();
  EXPECT_EQ(r.recv(10, MP_MSG_PEEK), "once");
  EXPECT_EQ(r.recv(10, MP_MSG_PEEK | MP_MSG_DONTWAIT), "once");
  EXPECT_EQ(r.recv(10), "once");
  EXPECT_EQ(r.recv(10, MP_MSG_DONTWAIT), "<errno 11>");
}

// A datagram that reaches the host while the link is down is lost, though the kernel has it.
TEST(UdpReceiveTurn, DatagramArrivingWhileTheLinkIsDownIsLost) {
  Receiver r(Mode::quiet);
  Fd peer = udp_socket();
  r.stack->set_link_up(false);
  native_sendto(peer.get(), "lost", r.port);
  let_arrive();
  EXPECT_EQ(r.recv(10, MP_MSG_DONTWAIT), "<errno 11>");
  r.stack->set_link_up(true);
  r.socket->set_timeout_ms(50);
  EXPECT_EQ(r.recv(10), "<errno 110>");
  native_sendto(peer.get(), "kept", r.port);
  let_arrive();
  EXPECT_EQ(r.recv(10), "kept");
}

TEST(UdpReceiveTurn, LossyLinkStillShapesWhatArrives) {
  auto stack = Stack::create();
  LinkConditions lossy;
  lossy.loss = 1.0;
  ASSERT_TRUE(stack->set_conditions(lossy));
  Receiver r(Mode::quiet, stack);
  Fd peer = udp_socket();
  native_sendto(peer.get(), "gone", r.port);
  let_arrive();
  r.socket->set_timeout_ms(50);
  EXPECT_EQ(r.recv(10), "<errno 110>");
}

// A receive that found nothing sleeps without another turn, and still wakes for a datagram
// sent later, for a close from another thread, and at its timeout.
TEST(UdpReceiveTurn, BlockedReceiveWakesForLateDatagramCloseAndTimeout) {
  Receiver r(Mode::quiet);
  Fd peer = udp_socket();
  std::thread late = send_later(peer.get(), "late", r.port);
  r.socket->set_timeout_ms(5000);
  EXPECT_EQ(r.recv(10), "late");
  late.join();

  r.socket->set_timeout_ms(30);
  EXPECT_EQ(r.recv(10), "<errno 110>");

  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r.socket->close();
  });
  r.socket->set_timeout_ms(5000);
  EXPECT_EQ(r.recv(10), "<errno 9>");
  closer.join();
}

// A receive asleep on a quiet stack watches its own socket, not the loop. A second socket
// opened while it sleeps is served all the same (its own receive runs the loop), and the first
// still wakes for its datagram, on a stack that is no longer quiet.
TEST(UdpReceiveTurn, ReceiveAsleepOnItsOwnSocketLeavesASecondSocketServed) {
  Receiver first(Mode::quiet);
  Fd peer = udp_socket();
  std::string first_got;
  std::atomic<bool> first_done{false};
  first.socket->set_timeout_ms(5000);
  std::thread sleeper([&] {
    first_got = first.recv(16);
    first_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // asleep in its wait by now
  auto second = open(first.stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(second->bind(endpoint(0)));
  const uint16_t second_port = second->local_endpoint()->port;
  std::thread late = send_later(peer.get(), "second", second_port);
  second->set_timeout_ms(2000);
  EXPECT_EQ(recv_text(*second, 16), "second");
  late.join();
  EXPECT_FALSE(first_done);
  native_sendto(peer.get(), "first", first.port);
  sleeper.join();
  EXPECT_EQ(first_got, "first");
}

// On a busy stack a receive with nothing waiting reads the kernel itself but waits in the loop,
// not on its own socket, so the second socket is served while it waits: its datagram is queued,
// which only a turn of the loop does.
TEST(UdpReceiveTurn, BusyReceiveWaitsInTheLoop) {
  Receiver r(Mode::busy);
  Fd peer = udp_socket();
  r.socket->set_timeout_ms(5000);
  std::string got;
  std::atomic<bool> done{false};
  std::thread receiver([&] {
    got = r.recv(16);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // waiting by now
  native_sendto(peer.get(), "other", r.other->local_endpoint()->port);
  EXPECT_TRUE(becomes_readable(*r.other, 2000));
  EXPECT_FALSE(done);
  native_sendto(peer.get(), "mine", r.port);
  receiver.join();
  EXPECT_EQ(got, "mine");
}

// While a receive sleeps on its own socket, another thread's waits turn the loop, which queues
// the datagrams it reads: those come before the kernel's next ones, so the datagrams arrive in
// the order sent (the queue limit may drop some, never reorder them).
TEST(UdpReceiveTurn, DatagramsTheLoopQueuedComeBeforeTheKernels) {
  Receiver r(Mode::quiet);
  Fd peer = udp_socket();
  std::atomic<bool> done{false};
  std::thread turner([&] {
    while (!done) (void)r.stack->sleep_ms(1);  // each wait turns the loop
  });
  constexpr int kCount = 300;
  std::thread sender([&] {  // paced, each datagram a wake-up for both threads
    for (int i = 1; i <= kCount; ++i) {
      // The last one after a pause, when the receiver has caught up: a full queue drops
      // whichever datagram comes next, and the loop below waits for the last.
      if (i == kCount) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      native_sendto(peer.get(), std::to_string(i), r.port);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  r.socket->set_timeout_ms(2000);
  int last = 0;
  int received = 0;
  bool in_order = true;
  while (last < kCount) {
    const std::string got = r.recv(16);
    if (got.empty() || got[0] == '<') break;
    const int n = std::stoi(got);
    in_order = in_order && n > last;
    last = n;
    ++received;
  }
  done = true;
  sender.join();
  turner.join();
  EXPECT_TRUE(in_order) << "a datagram came before one sent earlier";
  EXPECT_EQ(last, kCount);
  EXPECT_GT(received, kCount / 2);
}

// Before any turn of the loop the socket is not in the loop's poll set yet: the first wait must
// run the loop, or it would sleep through the datagram.
TEST(UdpReceiveTurn, FirstReceiveOnAFreshSocketWakesForALateDatagram) {
  auto stack = Stack::create();
  auto s = open(stack, MP_SOCK_DGRAM);
  ASSERT_TRUE(s->bind(endpoint(0)));
  const uint16_t port = s->local_endpoint()->port;
  Fd peer = udp_socket();
  std::thread late = send_later(peer.get(), "late", port);
  s->set_timeout_ms(2000);
  char buf[8];
  auto got = s->recv(reinterpret_cast<uint8_t*>(buf), sizeof(buf), 0);
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string(buf, *got), "late");
  late.join();
}

std::vector<std::string> socket_trace(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"sock\":1,") == std::string::npos) continue;
    // Drop the time stamp: {"t":...,"sock":...
    const size_t sock = line.find("\"sock\"");
    lines.push_back(line.substr(sock));
  }
  return lines;
}

// Byte counts and trace records come out the same, in the same order, with or without the loop.
TEST(UdpReceiveTurn, TraceMatchesTheLoop) {
  Fd peer = udp_socket();  // one sender for both, so the records name the same source
  std::vector<std::string> traces[3];
  for (Mode mode : kModes) {
    char path[] = "/tmp/mpsock-turn-trace-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    auto stack = Stack::create();
    ASSERT_TRUE(stack->trace().open(path));
    Receiver r(mode, stack);
    native_sendto(peer.get(), "one", r.port);
    let_arrive();
    EXPECT_EQ(r.recv(2), "on");
    for (int i = 0; i < 6; ++i) native_sendto(peer.get(), "burst" + std::to_string(i), r.port);
    let_arrive();
    EXPECT_EQ(r.drain().size(), 4u);
    EXPECT_EQ(stack->link_bytes(), 3u + 6 * 6u);
    r.socket->close();
    stack->trace().close();
    traces[static_cast<int>(mode)] = socket_trace(path);
    std::remove(path);
  }
  EXPECT_EQ(traces[0], traces[2]);
  EXPECT_EQ(traces[1], traces[2]);
  EXPECT_GT(traces[0].size(), 10u);
}

}  // namespace
}  // namespace mpsock
