// Address parsing as lwIP's ipaddr_aton does it (modlwip lwip_parse_inet_addr).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "mpsock/address.h"

namespace mpsock {
namespace {

std::string parsed(const char* text, bool ipv6 = false) {
  auto ip = IpAddress::parse(text, ipv6);
  return ip ? ip->to_string() : "invalid";
}

TEST(AddressParse, DottedQuad) { EXPECT_EQ(parsed("192.168.1.20"), "192.168.1.20"); }

// Every byte value prints as inet_ntop prints it ("%u", no leading zeros).
TEST(AddressFormat, Ipv4MatchesInetNtop) {
  for (unsigned byte = 0; byte < 256; ++byte) {
    const uint8_t b = static_cast<uint8_t>(byte);
    const IpAddress ip = IpAddress::v4(b, static_cast<uint8_t>(255 - byte), b, 7);
    char expected[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, ip.bytes.data(), expected, sizeof(expected));
    EXPECT_EQ(ip.to_string(), expected);
  }
  EXPECT_EQ(IpAddress::any().to_string(), "0.0.0.0");
  EXPECT_EQ(IpAddress::v4(255, 255, 255, 255).to_string(), "255.255.255.255");
}

TEST(AddressParse, EmptyMeansAny) {
  auto ip = IpAddress::parse("", false);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->is_any());
}

TEST(AddressParse, InetAtonShortForms) {
  EXPECT_EQ(parsed("127.1"), "127.0.0.1");
  EXPECT_EQ(parsed("10.1.2"), "10.1.0.2");
  EXPECT_EQ(parsed("0x7f.0.0.1"), "127.0.0.1");
  EXPECT_EQ(parsed("0177.0.0.1"), "127.0.0.1");
  EXPECT_EQ(parsed("2130706433"), "127.0.0.1");
}

TEST(AddressParse, HexPartsTakeLettersInEitherCase) {
  EXPECT_EQ(parsed("0xA.0xb.0XC.0xdF"), "10.11.12.223");
  EXPECT_EQ(parsed("0xg.0.0.1"), "invalid");
  EXPECT_EQ(parsed("0x1G"), "invalid");
}

TEST(AddressParse, TrailingWhiteSpaceEndsTheAddress) { EXPECT_EQ(parsed("1.2.3.4 junk"), "1.2.3.4"); }

TEST(AddressParse, RejectsOutOfRangeAndNames) {
  EXPECT_EQ(parsed("999.1.1.1"), "invalid");
  EXPECT_EQ(parsed("1.2.3.256"), "invalid");
  EXPECT_EQ(parsed("1.2.3.4.5"), "invalid");
  EXPECT_EQ(parsed("example.com"), "invalid");
  EXPECT_EQ(parsed("localhost"), "invalid");
  EXPECT_EQ(parsed("1.2.3.4x"), "invalid");
  EXPECT_EQ(parsed("08.1.1.1"), "invalid");
  EXPECT_EQ(parsed("."), "invalid");
}

TEST(AddressParse, Ipv6OnlyWhenTheProfileHasIt) {
  EXPECT_EQ(parsed("::1", false), "invalid");
  EXPECT_EQ(parsed("::1", true), "::1");
  EXPECT_EQ(parsed("fe80::1%2", true), "fe80::1");
  EXPECT_EQ(IpAddress::parse("fe80::1%2", true)->scope_id, 2u);
  EXPECT_EQ(parsed("fe80::1%eth0", true), "invalid");
}

TEST(AddressKinds, BroadcastMulticastLoopback) {
  EXPECT_TRUE(IpAddress::parse("255.255.255.255", false)->is_limited_broadcast());
  EXPECT_TRUE(IpAddress::parse("239.1.2.3", false)->is_multicast());
  EXPECT_FALSE(IpAddress::parse("192.168.1.1", false)->is_multicast());
  EXPECT_TRUE(IpAddress::parse("127.0.0.5", false)->is_loopback());
}

}  // namespace
}  // namespace mpsock
