// Several threads blocked on one stack; close from another thread; signals; no busy-waiting.
#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <thread>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Under the desktop profile, which has a loopback interface (a camera cannot reach itself).
TEST(Threads, ServerThreadAndClientInOneStack) {
  auto stack = Stack::create(profile_named("desktop"));
  auto server = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(server->bind(endpoint(0)));
  ASSERT_TRUE(server->listen(2));
  const uint16_t port = server->local_endpoint()->port;

  std::string heard;
  std::thread serving([&] {
    auto accepted = server->accept();
    ASSERT_TRUE(accepted);
    uint8_t buf[64];
    auto got = accepted->socket->recv(buf, sizeof(buf), 0);
    ASSERT_TRUE(got);
    heard.assign(reinterpret_cast<char*>(buf), *got);
    ASSERT_TRUE(accepted->socket->sendall(buf, *got));
    accepted->socket->close();
  });
  std::this_thread::sleep_for(milliseconds(20));  // let the server block in accept first
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(port)));
  const std::string msg = "over the same stack";
  ASSERT_TRUE(client->sendall(reinterpret_cast<const uint8_t*>(msg.data()), msg.size()));
  uint8_t buf[64];
  auto echoed = client->read(buf, msg.size());
  serving.join();
  ASSERT_TRUE(echoed);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), **echoed), msg);
  EXPECT_EQ(heard, msg);
}

TEST(Threads, CloseFromAnotherThreadEndsABlockedRecv) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  int error = 0;
  std::thread blocked([&] {
    uint8_t buf[8];
    auto got = client->recv(buf, sizeof(buf), 0);
    error = got ? 0 : got.error().code;
  });
  std::this_thread::sleep_for(milliseconds(50));
  client->close();
  blocked.join();
  EXPECT_EQ(error, MP_EBADF);
}

TEST(Threads, DataWakesTheRightThread) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto a = open(stack, MP_SOCK_STREAM);
  auto b = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(a->connect(endpoint(local_port(listener.get()))));
  Fd peer_a = tcp_accept(listener.get());
  ASSERT_TRUE(b->connect(endpoint(local_port(listener.get()))));
  Fd peer_b = tcp_accept(listener.get());
  std::atomic<int> done{0};
  auto reader = [&](std::shared_ptr<Socket> s, std::string expect) {
    uint8_t buf[8];
    auto got = s->recv(buf, sizeof(buf), 0);
    ASSERT_TRUE(got);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *got), expect);
    ++done;
  };
  std::thread ta(reader, a, "to-a");
  std::thread tb(reader, b, "to-b");
  std::this_thread::sleep_for(milliseconds(30));
  send_all(peer_b.get(), "to-b");
  send_all(peer_a.get(), "to-a");
  ta.join();
  tb.join();
  EXPECT_EQ(done.load(), 2);
}

TEST(Threads, BlockedRecvCostsNoCpu) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  client->set_timeout_ms(2000);
  double cpu = 0;
  std::thread blocked([&] {
    const double before = thread_cpu_seconds();
    uint8_t buf[8];
    EXPECT_TRUE(client->recv(buf, sizeof(buf), 0).error().is_os(MP_ETIMEDOUT));
    cpu = thread_cpu_seconds() - before;
  });
  blocked.join();
  EXPECT_LT(cpu, 0.050) << "a recv blocked for 2 s used " << cpu << " s of CPU";
}

class CountingInterrupts : public InterruptSource {
 public:
  int wakeup_fd() override { return -1; }
  bool interrupted() override {
    ++seen;
    return true;
  }
  std::atomic<int> seen{0};
};

TEST(Threads, ASignalStopsABlockedWait) {
  struct sigaction action{};
  action.sa_handler = [](int) {};
  sigaction(SIGUSR1, &action, nullptr);  // no SA_RESTART: poll returns EINTR

  auto stack = Stack::create();
  CountingInterrupts interrupts;
  stack->set_interrupt_source(&interrupts);
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  const pthread_t waiting = pthread_self();
  std::thread signaller([&] {
    std::this_thread::sleep_for(milliseconds(50));
    pthread_kill(waiting, SIGUSR1);
  });
  uint8_t buf[8];
  auto got = client->recv(buf, sizeof(buf), 0);
  signaller.join();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::interrupted);
  EXPECT_GE(interrupts.seen.load(), 1);
  stack->set_interrupt_source(nullptr);
}

}  // namespace
}  // namespace mpsock
