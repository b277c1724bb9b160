// The trace: a JSON line per call and per network event.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "peer.h"

namespace mpsock {
namespace {

using namespace mpsock::test;

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::vector<std::string>& lines, std::initializer_list<const char*> parts) {
  for (const std::string& line : lines) {
    bool all = true;
    for (const char* part : parts) all = all && line.find(part) != std::string::npos;
    if (all) return true;
  }
  return false;
}

TEST(Trace, RecordsCallsResultsAndEvents) {
  char path[] = "/tmp/mpsock-trace-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  auto stack = Stack::create();
  ASSERT_TRUE(stack->trace().open(path));
  Fd listener = tcp_listener();
  auto client = open(stack, MP_SOCK_STREAM);
  ASSERT_TRUE(client->connect(endpoint(local_port(listener.get()))));
  Fd server = tcp_accept(listener.get());
  const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
  ASSERT_EQ(*client->send(hello, 5), 5u);
  client->set_timeout_ms(10);
  uint8_t buf[8];
  EXPECT_FALSE(client->recv(buf, sizeof(buf), 0));
  client->close();
  stack->trace().close();

  const auto lines = lines_of(path);
  std::remove(path);
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_EQ(line.rfind("{\"t\":", 0), 0u) << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
  EXPECT_TRUE(has_line(lines, {"\"event\":\"open\"", "\"type\":\"tcp\""}));
  EXPECT_TRUE(has_line(lines, {"\"call\":\"connect\"", "\"addr\":\"127.0.0.1:", "\"result\":null"}));
  EXPECT_TRUE(has_line(lines, {"\"event\":\"connected\""}));
  EXPECT_TRUE(has_line(lines, {"\"call\":\"send\"", "\"len\":5", "\"result\":5"}));
  EXPECT_TRUE(has_line(lines, {"\"event\":\"data-out\"", "\"bytes\":5"}));
  EXPECT_TRUE(has_line(lines, {"\"call\":\"recv\"", "\"errno\":110"}));
  EXPECT_TRUE(has_line(lines, {"\"call\":\"close\""}));
}

TEST(Trace, ResetEventCarriesTheErrno) {
  char path[] = "/tmp/mpsock-trace-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  Connected c;
  ASSERT_TRUE(c.stack->trace().open(path));
  reset_close(c.server);
  uint8_t buf[4];
  EXPECT_FALSE(c.client->recv(buf, sizeof(buf), 0));
  c.stack->trace().close();
  const auto lines = lines_of(path);
  std::remove(path);
  EXPECT_TRUE(has_line(lines, {"\"event\":\"reset\"", "\"errno\":104"}));
  EXPECT_FALSE(has_line(lines, {"\"event\":\"reset\"", "\"bytes\""}));
}

TEST(Trace, RecordsStreamCalls) {
  char path[] = "/tmp/mpsock-trace-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  Connected c;
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.stack->trace().open(path));
  c.client->set_timeout_ms(0);
  uint8_t buf[16];
  EXPECT_FALSE(c.client->read(buf, sizeof(buf))->has_value());  // nothing yet: None
  const uint8_t data[4] = {'a', 'b', '\n', 'c'};
  EXPECT_EQ(**c.client->write(data, 4), 4u);
  ASSERT_EQ(::send(c.server.get(), "line\nrest", 9, 0), 9);
  c.client->set_timeout_ms(2000);
  EXPECT_EQ(**c.client->readline(-1), "line\n");
  EXPECT_EQ(**c.client->read(buf, 4), 4u);
  c.stack->trace().close();
  const auto lines = lines_of(path);
  std::remove(path);
  EXPECT_TRUE(has_line(lines, {"\"call\":\"read\"", "\"len\":16", "\"result\":null"}));
  EXPECT_TRUE(has_line(lines, {"\"call\":\"write\"", "\"len\":4", "\"result\":4"}));
  EXPECT_TRUE(has_line(lines, {"\"call\":\"readline\"", "\"result\":5"}));
  EXPECT_TRUE(has_line(lines, {"\"call\":\"read\"", "\"len\":4", "\"result\":4"}));
}

// A trace stops at its size limit, on a whole line, and says so in its last record.
TEST(Trace, StopsAtItsLimitAndSaysSo) {
  char path[] = "/tmp/mpsock-trace-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  auto stack = Stack::create();
  ASSERT_TRUE(stack->trace().open(path, 4096));
  for (int i = 0; i < 1000; ++i) stack->trace().write(TraceRecord().add("event", "tick").add("n", i));
  EXPECT_FALSE(stack->trace().enabled());
  stack->trace().close();
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const auto size = static_cast<size_t>(in.tellg());
  const auto lines = lines_of(path);
  std::remove(path);
  EXPECT_LE(size, 4096u);
  EXPECT_GT(size, 3000u);
  ASSERT_GE(lines.size(), 2u);
  for (const std::string& line : lines) EXPECT_EQ(line.back(), '}') << line;
  EXPECT_NE(lines.back().find("\"event\":\"trace-limit\""), std::string::npos) << lines.back();
  EXPECT_NE(lines.back().find("\"limit\":4096"), std::string::npos) << lines.back();
}

TEST(Trace, UnlimitedWhenAskedAndTooSmallALimitIsRefused) {
  char path[] = "/tmp/mpsock-trace-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  auto stack = Stack::create();
  Status tiny = stack->trace().open(path, 10);
  ASSERT_FALSE(tiny);
  EXPECT_EQ(tiny.error().kind, ErrorKind::value);
  ASSERT_TRUE(stack->trace().open(path, Trace::kUnlimited));
  for (int i = 0; i < 2000; ++i) stack->trace().write(TraceRecord().add("event", "tick").add("n", i));
  EXPECT_TRUE(stack->trace().enabled());
  stack->trace().close();
  EXPECT_EQ(lines_of(path).size(), 2000u);
  std::remove(path);
}

TEST(Trace, OffByDefault) {
  auto stack = Stack::create();
  EXPECT_FALSE(stack->trace().enabled());
}

TEST(TraceRecord, EscapesStrings) {
  TraceRecord record;
  record.add("k", "a\"b\\c\n\x01");
  EXPECT_EQ(record.body(), "\"k\":\"a\\\"b\\\\c\\n\\u0001\"");
}

}  // namespace
}  // namespace mpsock
