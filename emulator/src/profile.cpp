#include "mpsock/profile.h"

namespace mpsock {

namespace {

// Boards' lwIP settings, from shared/spec/firmware-socket-behavior.md section 9 (which cites
// MicroPython's lwipopts_common.h, the ports' lwipopts.h and lwIP's opt.h).
std::vector<Profile> make_profiles() {
  std::vector<Profile> profiles;

  Profile rt1062;
  rt1062.name = "openmv-rt1062";
  rt1062.description = "OpenMV Cam RT1062 (MicroPython mimxrt port, lwIP, CYW43 WiFi)";
  rt1062.source = "mimxrt lwipopts.h / extmod lwipopts_common.h; lwIP opt.h; modlwip.c";
  rt1062.tcp_mss = 800;
  rt1062.tcp_wnd = 8 * 800;
  rt1062.tcp_snd_buf = 8 * 800;
  rt1062.mem_size = 8000;
  profiles.push_back(rt1062);

  Profile ae3;
  ae3.name = "openmv-ae3";
  ae3.description = "OpenMV AE3 (MicroPython alif port, lwIP)";
  ae3.source = "alif lwipopts.h; lwIP opt.h; modlwip.c";
  ae3.tcp_mss = 1460;
  ae3.tcp_wnd = 8 * 1460;
  ae3.tcp_snd_buf = 8 * 1460;
  ae3.mem_size = 16 * 1024;
  profiles.push_back(ae3);

  Profile n6;
  n6.name = "openmv-n6";
  n6.description = "OpenMV N6 (MicroPython stm32 port, STM32N6 section, lwIP)";
  n6.source = "stm32 lwipopts.h (STM32N6); lwIP opt.h; modlwip.c";
  n6.tcp_mss = 1460;
  n6.tcp_wnd = 16 * 1460;
  n6.tcp_snd_buf = 16 * 1460;
  n6.mem_size = 64 * 1024;
  profiles.push_back(n6);

  Profile desktop;
  desktop.name = "desktop";
  desktop.description = "No camera limits: segments, buffers and socket counts as large as the host's";
  desktop.source = "mpsock";
  desktop.tcp_mss = 64 * 1024;
  desktop.tcp_wnd = 4 * 1024 * 1024;
  desktop.tcp_snd_buf = 4 * 1024 * 1024;
  desktop.mem_size = 1024 * 1024;
  desktop.tcp_pcbs = Profile::unlimited;
  desktop.tcp_listen_pcbs = Profile::unlimited;
  desktop.udp_pcbs = Profile::unlimited;
  desktop.udp_pcbs_for_system = 0;
  desktop.udp_queue = 1024;
  desktop.ipv6 = true;
  desktop.strict_surface = false;
  profiles.push_back(desktop);

  return profiles;
}

}  // namespace

const std::vector<Profile>& builtin_profiles() {
  static const std::vector<Profile> profiles = make_profiles();
  return profiles;
}

const Profile* find_profile(std::string_view name) {
  for (const Profile& profile : builtin_profiles()) {
    if (profile.name == name) return &profile;
  }
  return nullptr;
}

const Profile& default_profile() { return builtin_profiles().front(); }

}  // namespace mpsock
