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

TEST(Profiles, BoardsSayWhereTheirFilesAre) {
  // OpenMV's boards: the flash at "/", main.py at power-on only; MicroPython's stm32 port: the
  // flash at /flash, on sys.path, main.py at every soft reset into the friendly REPL.
  const Profile& rt1062 = default_profile();
  EXPECT_EQ(rt1062.flash_mount, "/");
  EXPECT_EQ(rt1062.sys_path, (std::vector<std::string>{"", ".frozen", "/lib"}));
  EXPECT_FALSE(rt1062.main_at_soft_reset);
  const Profile* stm32 = find_profile("stm32-generic");
  ASSERT_NE(stm32, nullptr);
  EXPECT_EQ(stm32->flash_mount, "/flash");
  EXPECT_EQ(stm32->sys_path, (std::vector<std::string>{"", ".frozen", "/flash", "/flash/lib"}));
  EXPECT_TRUE(stm32->main_at_soft_reset);
  for (const Profile& profile : builtin_profiles()) {
    EXPECT_EQ(profile.flash_mount.front(), '/') << profile.name;
    EXPECT_EQ(profile.sys_path.front(), "") << profile.name;  // the current folder first
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

TEST(Profiles, CameraFrameIntervalFollowsTheSensorMode) {
  const Profile* rt1062 = find_profile("openmv-rt1062");
  ASSERT_NE(rt1062, nullptr);
  EXPECT_EQ(rt1062->sensor_name, "OV5640");
  EXPECT_EQ(rt1062->frame_interval_us(320, 240), 8333);  // QVGA: 120 fps
  EXPECT_EQ(rt1062->frame_interval_us(160, 120), 8333);  // smaller frames read out in the QVGA mode
  EXPECT_EQ(rt1062->frame_interval_us(640, 480), 11111);    // VGA: 90 fps
  EXPECT_EQ(rt1062->frame_interval_us(1280, 1024), 33333);  // taller than 1280x960: the 1080p mode
  EXPECT_EQ(rt1062->frame_interval_us(2592, 1944), 66667);
  EXPECT_EQ(rt1062->frame_interval_us(4000, 3000), 66667);  // past the largest mode: its rate
}

TEST(Profiles, DesktopFramesAreNotPaced) {
  const Profile* desktop = find_profile("desktop");
  ASSERT_NE(desktop, nullptr);
  EXPECT_EQ(desktop->frame_interval_us(320, 240), 0);
  EXPECT_EQ(desktop->frame_interval_us(2592, 1944), 0);
}

TEST(Profiles, OpenMvBoardsNameTheirCamera) {
  for (const char* name : {"openmv-rt1062", "openmv-ae3", "openmv-n6"}) {
    const Profile* p = find_profile(name);
    ASSERT_NE(p, nullptr);
    EXPECT_FALSE(p->omv_board_type.empty()) << name;
    EXPECT_FALSE(p->sensor_modes.empty()) << name;
    EXPECT_NE(p->source.find("board_config.h"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace mpsock
