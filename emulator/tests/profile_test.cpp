// The built-in profiles carry the boards' lwIP numbers (spec section 9).
#include <gtest/gtest.h>

#include "mpsock/profile.h"

namespace mpsock {
namespace {

TEST(Profiles, DefaultIsACurrentOpenMvBoard) {
  const Profile& profile = default_profile();
  EXPECT_EQ(profile.name, "openmv-rt1062");
  EXPECT_EQ(profile.tcp_mss, 800u);
  EXPECT_EQ(profile.tcp_snd_buf, 6400u);
  EXPECT_EQ(profile.tcp_wnd, 6400u);
  EXPECT_EQ(profile.tcp_pcbs, 5);
  EXPECT_EQ(profile.udp_queue, 4u);
  EXPECT_EQ(profile.listen_backlog, 2);
  EXPECT_FALSE(profile.ipv6);
}

TEST(Profiles, FoundByName) {
  ASSERT_NE(find_profile("openmv-n6"), nullptr);
  EXPECT_EQ(find_profile("openmv-n6")->tcp_snd_buf, 16u * 1460u);
  EXPECT_EQ(find_profile("openmv-ae3")->tcp_mss, 1460u);
  EXPECT_EQ(find_profile("no-such-board"), nullptr);
}

TEST(Profiles, DesktopLiftsTheLimits) {
  const Profile* desktop = find_profile("desktop");
  ASSERT_NE(desktop, nullptr);
  EXPECT_EQ(desktop->tcp_pcbs, Profile::unlimited);
  EXPECT_TRUE(desktop->ipv6);
  EXPECT_FALSE(desktop->strict_surface);
}

}  // namespace
}  // namespace mpsock
