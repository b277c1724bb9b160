// The built-in profiles carry the boards' lwIP numbers (spec section 9).
#include "mpsock/profile.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

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

TEST(Profiles, GenericStm32IsTheCommonDefaultTier) {
  const Profile* stm32 = find_profile("stm32-generic");
  ASSERT_NE(stm32, nullptr);
  EXPECT_EQ(stm32->tcp_mss, 800u);
  EXPECT_EQ(stm32->tcp_wnd, 6400u);
  EXPECT_EQ(stm32->tcp_snd_buf, 6400u);
  EXPECT_EQ(stm32->mem_size, 8000u);
  EXPECT_EQ(stm32->tcp_pcbs, 5);
  EXPECT_EQ(stm32->tcp_listen_pcbs, 8);
  EXPECT_EQ(stm32->udp_sockets_available(), 3);
  EXPECT_FALSE(stm32->ipv6);
  EXPECT_TRUE(stm32->strict_surface);
}

TEST(Profiles, BoardProfilesCiteTheirLwipopts) {
  for (const Profile& profile : builtin_profiles()) {
    if (profile.name == "desktop") continue;
    EXPECT_NE(profile.source.find("lwipopts.h"), std::string::npos) << profile.name;
    EXPECT_NE(profile.source.find("TCP_MSS " + std::to_string(profile.tcp_mss)), std::string::npos)
        << profile.name;
    EXPECT_NE(profile.source.find("MEMP_NUM_TCP_PCB 5"), std::string::npos) << profile.name;
  }
}

TEST(Profiles, BoardsSayWhoTheyAre) {
  const Profile& rt1062 = default_profile();
  EXPECT_EQ(rt1062.platform, "mimxrt");
  EXPECT_NE(rt1062.machine.find("MIMXRT1062"), std::string::npos);
  EXPECT_EQ(rt1062.epoch_year, 1970);
  EXPECT_EQ(find_profile("openmv-ae3")->platform, "alif");
  EXPECT_EQ(find_profile("openmv-ae3")->epoch_year, 2000);
  EXPECT_EQ(find_profile("openmv-n6")->platform, "pyboard");
  for (const Profile& profile : builtin_profiles()) {
    EXPECT_GT(profile.heap_size, 0u) << profile.name;
    EXPECT_GT(profile.cpu_hz, 0u) << profile.name;
    EXPECT_FALSE(profile.machine.empty()) << profile.name;
    const auto& modules = profile.builtin_modules;
    for (const char* name : {"socket", "select", "sys", "os", "time", "gc", "machine", "micropython"}) {
      EXPECT_NE(std::find(modules.begin(), modules.end(), name), modules.end()) << profile.name << " " << name;
    }
  }
}

TEST(Profiles, NamesAreUnique) {
  const std::vector<Profile>& all = builtin_profiles();
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) EXPECT_NE(all[i].name, all[j].name);
  }
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
