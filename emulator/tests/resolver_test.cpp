// getaddrinfo's lookups: numeric, host table, failures with lwIP's negative codes, localhost
// through the system resolver (the only name tests may send there).
#include <gtest/gtest.h>

#include "peer.h"

namespace mpsock {
namespace {

TEST(Resolver, NumericNeedsNoDns) {
  auto stack = Stack::create();
  stack->resolver().set_use_system_resolver(false);
  auto ip = stack->resolver().resolve("10.0.0.7", 0);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->to_string(), "10.0.0.7");
}

TEST(Resolver, HostTableAnswersFirst) {
  auto stack = Stack::create();
  stack->resolver().add_host("Camera.Example", IpAddress::v4(192, 168, 4, 1));
  auto ip = stack->resolver().resolve("camera.example", 0);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->to_string(), "192.168.4.1");
}

TEST(Resolver, FailuresAreNegative) {
  auto stack = Stack::create();
  stack->resolver().set_use_system_resolver(false);
  stack->resolver().add_failure("broken.example");
  auto broken = stack->resolver().resolve("broken.example", 0);
  ASSERT_FALSE(broken);
  EXPECT_TRUE(broken.error().is_os(-2));
  auto unknown = stack->resolver().resolve("unknown.example", 0);
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(unknown.error().is_os(-2));
  auto empty = stack->resolver().resolve("", 0);
  ASSERT_FALSE(empty);
  EXPECT_TRUE(empty.error().is_os(-6));
  auto too_long = stack->resolver().resolve(std::string(300, 'a'), 0);
  ASSERT_FALSE(too_long);
  EXPECT_TRUE(too_long.error().is_os(-6));
}

TEST(Resolver, Ipv6StringIsANameWithoutIpv6) {
  auto stack = Stack::create();
  stack->resolver().set_use_system_resolver(false);
  auto v6 = stack->resolver().resolve("::1", 0);
  ASSERT_FALSE(v6);
  EXPECT_TRUE(v6.error().is_os(-2));
  auto desktop = Stack::create(*find_profile("desktop"));
  auto ok = desktop->resolver().resolve("::1", 0);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->to_string(), "::1");
}

TEST(Resolver, LocalhostThroughTheSystemResolver) {
  auto stack = Stack::create();
  auto ip = stack->resolver().resolve("localhost", 0);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->is_loopback());
}

}  // namespace
}  // namespace mpsock
