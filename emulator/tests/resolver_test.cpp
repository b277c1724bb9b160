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

TEST(Resolver, WithoutADnsServerNamesFailWithMinus6) {
  // A static configuration without a DNS server: lwIP refuses the query (ERR_VAL).
  auto stack = Stack::create();
  stack->resolver().add_host("camera-server.lan", IpAddress::v4(192, 168, 4, 2));
  stack->resolver().set_dns_server(false);
  EXPECT_TRUE(stack->resolver().resolve("no-such-host.invalid", 0).error().is_os(-6));
  EXPECT_TRUE(stack->resolver().resolve("camera-server.lan", 0).error().is_os(-6));
  auto numeric = stack->resolver().resolve("192.168.4.2", 0);
  ASSERT_TRUE(numeric);  // numeric addresses need no DNS
  stack->resolver().set_dns_server(true);
  EXPECT_TRUE(stack->resolver().resolve("camera-server.lan", 0));
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

TEST(Resolver, FamilyChoosesTheAnswerFromV127) {
  // A name with both kinds of address, on a board with IPv6 (the desktop profile).
  auto now = Stack::create(*find_profile("desktop"));
  now->resolver().add_host("dual.lan", IpAddress::v4(10, 0, 0, 5));
  now->resolver().add_host("dual.lan", *IpAddress::parse("fd00::5", true));
  EXPECT_EQ(now->resolver().resolve("dual.lan", MP_AF_INET6)->to_string(), "fd00::5");
  EXPECT_EQ(now->resolver().resolve("dual.lan", MP_AF_INET)->to_string(), "10.0.0.5");
  EXPECT_EQ(now->resolver().resolve("dual.lan", 0)->to_string(), "10.0.0.5");  // IPv4 first
  // Before v1.27 the lookup asks for the default type whatever the family.
  auto before =
      Stack::create(*with_firmware(*find_profile("desktop"), *MicroPythonVersion::parse("1.26")));
  before->resolver().add_host("dual.lan", IpAddress::v4(10, 0, 0, 5));
  before->resolver().add_host("dual.lan", *IpAddress::parse("fd00::5", true));
  EXPECT_EQ(before->resolver().resolve("dual.lan", MP_AF_INET6)->to_string(), "10.0.0.5");
  // Without IPv6 on the board an IPv6-only name does not resolve.
  auto camera = Stack::create();
  camera->resolver().add_host("v6only.lan", *IpAddress::parse("fd00::6", true));
  EXPECT_TRUE(camera->resolver().resolve("v6only.lan", MP_AF_INET6).error().is_os(-2));
}

TEST(Resolver, LocalhostThroughTheSystemResolver) {
  auto stack = Stack::create();
  auto ip = stack->resolver().resolve("localhost", 0);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->is_loopback());
}

}  // namespace
}  // namespace mpsock
