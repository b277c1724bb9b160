// The conditions a wait is tested under: each camera profile, over a plain link and over the
// shaped links the camera's users try first (1 ms of latency, 100 Mbit/s).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mpsock/mpsock.h"

namespace mpsock::test {

struct CameraCase {
  std::string profile;
  LinkConditions link;
  std::string link_name;
};

inline std::vector<CameraCase> camera_cases() {
  std::vector<CameraCase> cases;
  for (const char* name : {"openmv-rt1062", "openmv-ae3", "openmv-n6", "stm32-generic"}) {
    cases.push_back({name, LinkConditions{}, "plain"});
    LinkConditions latency;
    latency.latency_ms = 1;
    cases.push_back({name, latency, "latency_1ms"});
    LinkConditions bandwidth;
    bandwidth.bandwidth_bps = 100e6;
    cases.push_back({name, bandwidth, "bandwidth_100Mbit"});
  }
  return cases;
}

inline std::string camera_case_name(const testing::TestParamInfo<CameraCase>& info) {
  std::string name = info.param.profile + "_" + info.param.link_name;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

}  // namespace mpsock::test
