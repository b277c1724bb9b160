// A blocking TCP receive reads the kernel itself and, while the loop serves its socket alone,
// sleeps on that socket instead of in the loop (TcpSocket::receive_alone). It must deliver what
// the loop would, in order, and leave everything else the loop serves served.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;
using std::chrono::milliseconds;

// On a stack that serves the one connection, the receive sleeps and reads without a turn of the
// loop, under the desktop profile (the segment straight into the caller's buffer) and a
// camera's (one read, queued, taken a segment at a time).
TEST(TcpReceiveAlone, WaitsAndReadsWithoutTurningTheLoop) {
  for (const char* name : {"desktop", "openmv-rt1062"}) {
    SCOPED_TRACE(name);
    Connected c(*find_profile(name));
    ASSERT_TRUE(c.ok());
    run_loop_once(*c.stack);  // the connection's read has started and the loop is idle
    c.client->set_timeout_ms(5000);
    const uint64_t before = turns_of(*c.stack);
    const std::string data(2000, 'x');  // more than a camera's 800-byte segment
    std::thread late = send_later(c.server.get(), data);
    std::string got = recv_as_text(*c.client, 4000);
    late.join();
    while (got.size() < data.size()) {
      const std::string more = recv_as_text(*c.client, 4000);
      ASSERT_FALSE(more.empty() || more[0] == '<') << more;
      got += more;
    }
    EXPECT_EQ(got, data);
    EXPECT_EQ(turns_of(*c.stack), before);
  }
}

// The same sleep still ends for the peer's close (an end of stream, which the loop delivers),
// for a close from another thread and at the timeout.
TEST(TcpReceiveAlone, WakesForTheEndOfTheStreamACloseAndTheTimeout) {
  {
    Connected c;
    ASSERT_TRUE(c.ok());
    run_loop_once(*c.stack);
    c.client->set_timeout_ms(30);
    EXPECT_EQ(recv_as_text(*c.client, 8), "<errno 110>");
    c.client->set_timeout_ms(5000);
    std::thread closer([&] {
      std::this_thread::sleep_for(milliseconds(50));
      c.server.reset();
    });
    EXPECT_EQ(recv_as_text(*c.client, 8), "");
    closer.join();
  }
  Connected c;
  ASSERT_TRUE(c.ok());
  run_loop_once(*c.stack);
  c.client->set_timeout_ms(5000);
  std::thread closer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    c.client->close();
  });
  EXPECT_EQ(recv_as_text(*c.client, 8), "<errno 9>");
  closer.join();
}

// A second connection opened while the receive sleeps on its own socket is served all the same
// (its own receive runs the loop), and the first still wakes for its bytes.
TEST(TcpReceiveAlone, ASecondConnectionOpenedMeanwhileIsServed) {
  Connected first;
  ASSERT_TRUE(first.ok());
  run_loop_once(*first.stack);
  first.client->set_timeout_ms(5000);
  std::string first_got;
  std::atomic<bool> first_done{false};
  std::thread sleeper([&] {
    first_got = recv_as_text(*first.client, 16);
    first_done = true;
  });
  std::this_thread::sleep_for(milliseconds(50));  // asleep in its wait by now
  auto second = open(first.stack, MP_SOCK_STREAM);
  ASSERT_TRUE(second->connect(endpoint(local_port(first.listener.get()))));
  Fd second_peer = tcp_accept(first.listener.get());
  ASSERT_GE(second_peer.get(), 0);
  std::thread late = send_later(second_peer.get(), "second");
  second->set_timeout_ms(2000);
  EXPECT_EQ(recv_as_text(*second, 16), "second");
  late.join();
  EXPECT_FALSE(first_done);
  send_all(first.server.get(), "first");
  sleeper.join();
  EXPECT_EQ(first_got, "first");
}

// With another socket open before it starts, the receive waits in the loop (the loop no longer
// serves its connection alone), so the other socket is served while it waits: its datagram is
// queued, which only a turn of the loop does. Asleep on its own socket instead, the receive
// would leave the datagram in the kernel until its own bytes came.
TEST(TcpReceiveAlone, WaitsInTheLoopWhileAnotherSocketIsOpen) {
  for (const char* name : {"desktop", "openmv-rt1062"}) {
    SCOPED_TRACE(name);
    Connected c(*find_profile(name));
    ASSERT_TRUE(c.ok());
    auto other = open(c.stack, MP_SOCK_DGRAM);
    ASSERT_TRUE(other->bind(endpoint(0)));
    run_loop_once(*c.stack);
    c.client->set_timeout_ms(5000);
    std::string got;
    std::atomic<bool> done{false};
    std::thread receiver([&] {
      got = recv_as_text(*c.client, 16);
      done = true;
    });
    std::this_thread::sleep_for(milliseconds(50));  // waiting by now
    Fd peer = udp_socket();
    native_sendto(peer.get(), "other", other->local_endpoint()->port);
    EXPECT_TRUE(becomes_readable(*other, 2000));
    EXPECT_FALSE(done);
    send_all(c.server.get(), "mine");
    receiver.join();
    EXPECT_EQ(got, "mine");
  }
}

// While one thread reads a connection straight from the kernel, another thread's waits turn
// the loop, which reads the same connection into its queue: the bytes the loop queued come
// before the kernel's next ones, so the stream arrives whole and in order. The other thread
// waits in a sleep (the loop still serves the connection alone, so the reader sleeps on its
// socket) or on a second socket of its own (so the reader waits in the loop).
TEST(TcpReceiveAlone, BytesTheLoopQueuedComeBeforeTheKernels) {
  for (const char* name : {"desktop", "openmv-rt1062"}) {
    for (const bool second_socket : {false, true}) {
      SCOPED_TRACE(std::string(name) + (second_socket ? ", second socket" : ", sleep"));
      Connected c(*find_profile(name));
      ASSERT_TRUE(c.ok());
      std::shared_ptr<Socket> other;
      if (second_socket) {
        other = open(c.stack, MP_SOCK_DGRAM);
        ASSERT_TRUE(other->bind(endpoint(0)));
        other->set_timeout_ms(1);
      }
      std::atomic<bool> done{false};
      std::thread turner([&] {
        uint8_t buf[4];
        while (!done) {  // each wait turns the loop
          if (other) {
            (void)other->recv(buf, sizeof(buf), 0);
          } else {
            (void)c.stack->sleep_ms(1);
          }
        }
      });
      std::string data;
      for (int i = 0; data.size() < 200000; ++i) data += std::to_string(i) + ",";
      std::thread sender([&] {  // in pieces, each a wake-up for both threads
        for (size_t at = 0; at < data.size(); at += 1000) {
          send_all(c.server.get(), data.substr(at, 1000));
          std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
      });
      c.client->set_timeout_ms(5000);
      std::string got;
      while (got.size() < data.size()) {
        const std::string more = recv_as_text(*c.client, 1500);
        if (more.empty() || more[0] == '<') break;
        got += more;
      }
      done = true;
      sender.join();
      turner.join();
      EXPECT_EQ(got.size(), data.size());
      EXPECT_TRUE(got == data) << "the stream arrived out of order";
    }
  }
}

}  // namespace
}  // namespace mpsock
