// TCP data path over loopback: echo both ways, one segment per recv, short writes at the send
// buffer, EOF, and bulk transfers that arrive intact.
#include <gtest/gtest.h>

#include <thread>
#include <cstring>
#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;

std::string recv_string(Socket& s, size_t n, int flags = 0) {
  std::string buf(n, '\0');
  auto got = s.recv(reinterpret_cast<uint8_t*>(&buf[0]), n, flags);
  if (!got) return "<errno " + std::to_string(got.error().code) + ">";
  buf.resize(*got);
  return buf;
}

Result<size_t> send_string(Socket& s, const std::string& data) {
  return s.send(reinterpret_cast<const uint8_t*>(data.data()), data.size());
}

TEST(TcpEcho, ClientTalksToNativeServer) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  ASSERT_GE(server.get(), 0);

  ASSERT_EQ(*send_string(*client, "hello"), 5u);
  EXPECT_EQ(recv_exactly(server.get(), 5), "hello");
  ASSERT_TRUE(send_all(server.get(), "world"));
  EXPECT_EQ(recv_string(*client, 100), "world");
  client->close();
}

TEST(TcpEcho, ServerAcceptsNativeClient) {
  auto stack = Stack::create();
  auto server = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(server->bind(endpoint(0)));
  ASSERT_TRUE(server->listen(2));
  const uint16_t port = server->local_endpoint()->port;

  Fd client = tcp_connect(port);
  ASSERT_GE(client.get(), 0);
  auto accepted = server->accept();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->peer.ip.to_string(), "127.0.0.1");
  EXPECT_EQ(accepted->peer.port, local_port(client.get()));

  ASSERT_TRUE(send_all(client.get(), "ping"));
  EXPECT_EQ(recv_string(*accepted->socket, 10), "ping");
  ASSERT_EQ(*send_string(*accepted->socket, "pong"), 4u);
  EXPECT_EQ(recv_exactly(client.get(), 4), "pong");
  accepted->socket->close();
  server->close();
}

TEST(TcpEcho, RecvReturnsAtMostOneSegment) {
  auto stack = Stack::create();  // openmv-rt1062: MSS 800
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  ASSERT_TRUE(send_all(server.get(), std::string(5000, 'x')));

  size_t total = 0;
  size_t full_segments = 0;
  while (total < 5000) {
    const std::string got = recv_string(*client, 100000);
    ASSERT_FALSE(got.empty());
    ASSERT_LE(got.size(), 800u);
    if (got.size() == 800) ++full_segments;
    total += got.size();
  }
  EXPECT_EQ(total, 5000u);
  EXPECT_GE(full_segments, 1u);
}

TEST(TcpEcho, PeekLeavesTheDataQueued) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  ASSERT_TRUE(send_all(server.get(), "abc"));
  EXPECT_EQ(recv_string(*client, 10, MP_MSG_PEEK), "abc");
  EXPECT_EQ(recv_string(*client, 10), "abc");
}

TEST(TcpEcho, SendIsShortAtTheSendBuffer) {
  auto stack = Stack::create();  // TCP_SND_BUF 6400
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  const std::vector<uint8_t> big(100000, 'y');
  auto sent = client->send(big.data(), big.size());
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 6400u);
  EXPECT_EQ(recv_exactly(server.get(), 6400).size(), 6400u);
}

TEST(TcpEcho, NonBlockingSendallBiggerThanTheBufferSendsNothing) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  client->set_timeout_ms(0);
  const std::vector<uint8_t> big(10000, 'z');
  Status sent = client->sendall(big.data(), big.size());
  ASSERT_FALSE(sent);
  EXPECT_TRUE(sent.error().is_os(MP_EAGAIN));
  char buf[16];
  EXPECT_EQ(::recv(server.get(), buf, sizeof(buf), MSG_DONTWAIT), -1);
}

TEST(TcpEcho, PeerCloseIsEof) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  ASSERT_TRUE(send_all(server.get(), "last"));
  server.reset();
  EXPECT_EQ(recv_string(*client, 10), "last");
  EXPECT_EQ(recv_string(*client, 10), "");
  EXPECT_EQ(recv_string(*client, 10), "");
}

TEST(TcpEcho, BulkTransferArrivesIntact) {
  auto stack = Stack::create(*find_profile("desktop"));
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());

  std::vector<uint8_t> data(8 * 1024 * 1024);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + (i >> 13));
  std::string received;
  std::thread reader([&] { received = recv_exactly(server.get(), data.size()); });
  ASSERT_TRUE(client->sendall(data.data(), data.size()));
  reader.join();
  ASSERT_EQ(received.size(), data.size());
  EXPECT_EQ(0, std::memcmp(received.data(), data.data(), data.size()));

  // And back.
  std::thread writer([&] { send_all(server.get(), received); });
  std::vector<uint8_t> echoed(data.size());
  auto got = client->read(echoed.data(), echoed.size());
  writer.join();
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, data.size());
  EXPECT_EQ(echoed, data);
}

TEST(TcpEcho, StreamReadlineAndWrite) {
  auto stack = Stack::create();
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  ASSERT_TRUE(send_all(server.get(), "HTTP/1.0 200 OK\r\nX: y\r\n"));
  auto line = client->readline(-1);
  ASSERT_TRUE(line);
  EXPECT_EQ(**line, "HTTP/1.0 200 OK\r\n");
  auto limited = client->readline(2);
  ASSERT_TRUE(limited);
  EXPECT_EQ(**limited, "X:");
  const std::string body(20000, 'b');
  auto written = client->write(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  ASSERT_TRUE(written);
  EXPECT_EQ(**written, body.size());
  EXPECT_EQ(recv_exactly(server.get(), body.size()), body);
}

TEST(TcpEcho, SendallOfNothingLeavesTheConnectionAlone) {
  for (const char* name : {"desktop", "openmv-rt1062"}) {
    Connected c(*find_profile(name));
    ASSERT_TRUE(c.ok());
    const uint8_t none[1] = {0};
    EXPECT_TRUE(c.client->sendall(none, 0)) << name;
    ASSERT_TRUE(c.client->sendall(reinterpret_cast<const uint8_t*>("ok"), 2)) << name;
    EXPECT_EQ(recv_exactly(c.server.get(), 2), "ok") << name;
  }
}

}  // namespace
}  // namespace mpsock
