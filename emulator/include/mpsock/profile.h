// A Profile is a named set of a board's lwIP limits: what the camera's firmware was built
// with (lwipopts.h) and what modlwip adds. The emulator enforces the active profile's numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mpsock {

// One readout mode of a camera sensor: frames up to max_width x max_height come at `fps`.
struct SensorMode {
  int max_width = 0;
  int max_height = 0;
  double fps = 0;
};

struct Profile {
  std::string name;
  std::string description;
  std::string source;  // where the numbers come from

  size_t tcp_mss = 1460;       // TCP_MSS: the most one recv() returns (one segment)
  size_t tcp_wnd = 8 * 1460;   // TCP_WND: unread bytes a connection buffers before it stops reading
  size_t tcp_snd_buf = 8 * 1460;  // TCP_SND_BUF: what send() may queue; the rest is a short write
  size_t mem_size = 16 * 1024;    // MEM_SIZE: the lwIP heap a UDP datagram must fit in

  int tcp_pcbs = 5;         // MEMP_NUM_TCP_PCB: open non-listening TCP sockets and queued connections
  int tcp_listen_pcbs = 8;  // MEMP_NUM_TCP_PCB_LISTEN
  int udp_pcbs = 5;         // MEMP_NUM_UDP_PCB
  int udp_pcbs_for_system = 2;  // held by the firmware itself (mDNS responder, DHCP client)

  size_t udp_queue = 4;      // modlwip LWIP_INCOMING_PACKET_QUEUE_LEN
  int listen_backlog = 2;    // MICROPY_PY_SOCKET_LISTEN_BACKLOG_DEFAULT
  int close_timeout_ms = 10000;  // MICROPY_PY_LWIP_TCP_CLOSE_TIMEOUT_MS
  bool ipv6 = false;         // LWIP_IPV6
  bool strict_surface = true;  // only the firmware's socket methods (no getsockname, fileno, ...)

  // The board as a script sees it through sys, os, time and gc (MicroPython's port and board
  // configuration: mpconfigport.h, mpconfigboard.h, the firmware's manifest).
  std::string platform = "linux";   // sys.platform, os.uname().sysname (MICROPY_PY_SYS_PLATFORM)
  std::string machine;              // "BOARD with MCU": sys.implementation._machine, os.uname().machine
  std::string build;                // sys.implementation._build (the board's folder name)
  std::string micropython_version = "1.25.0";  // the MicroPython release the firmware follows
  std::string mpy_arch;             // native code architecture (sys.implementation._mpy), "" for none
  int epoch_year = 1970;            // time.gmtime(0)[0]: 1970 or 2000 (MICROPY_EPOCH_IS_1970)
  size_t heap_size = 0;             // the GC heap: gc.mem_free() + gc.mem_alloc()
  // Modules built into the firmware (C): importable also with a `u` prefix (import ujson).
  std::vector<std::string> builtin_modules;
  // Python libraries frozen into the firmware: importable by their own name only.
  std::vector<std::string> frozen_modules;
  // Whether modules no board has come from CPython (the desktop profile) or fail to import.
  bool host_modules = false;
  size_t unique_id_size = 8;  // bytes of machine.unique_id()
  uint32_t cpu_hz = 0;        // machine.freq()

  // The board's filesystem and boot (the port's main.c): where the flash filesystem is mounted
  // (and the current folder at boot), sys.path at boot, and whether main.py runs at every soft
  // reset into the friendly REPL or only at power-on and hard reset. boot.py runs at every boot.
  std::string flash_mount = "/";
  std::vector<std::string> sys_path = {"", ".frozen", "/lib"};
  bool main_at_soft_reset = false;

  // 0 in a count or size means "no limit" (the desktop profile).
  static constexpr int unlimited = 0;

  int udp_sockets_available() const {
    return udp_pcbs == unlimited ? unlimited : udp_pcbs - udp_pcbs_for_system;
  }

  // ---- The camera: what csi/sensor and omv report, and how fast the sensor delivers ----
  std::string omv_board_type;   // omv.board_type() (OpenMV's OMV_BOARD_TYPE)
  std::string omv_arch;         // omv.arch() (OMV_BOARD_ARCH)
  std::string omv_version = "4.7.0";  // omv.version_string(): the OpenMV firmware release
  std::string sensor_name;      // the camera module the board ships with, e.g. "OV5640"
  int sensor_chip_id = 0;       // CSI.cid() / sensor.get_id(): OpenMV's chip ID (omv_csi.h)
  int sensor_max_width = 0;     // the largest frame the sensor reads out
  int sensor_max_height = 0;
  // The sensor's readout modes, smallest first: a frame size is read out in the first mode that
  // covers it, at that mode's rate. Empty: frames are not paced (the desktop profile).
  std::vector<SensorMode> sensor_modes;

  // Microseconds between two frames of the sensor at width x height; 0 when not paced.
  int64_t frame_interval_us(int width, int height) const;
};

// The profiles mpsock knows, in the order `mpsock profiles` lists them.
const std::vector<Profile>& builtin_profiles();

// The profile named `name`, or nullptr.
const Profile* find_profile(std::string_view name);

// The profile used when none is chosen: a current OpenMV board's configuration.
const Profile& default_profile();

}  // namespace mpsock
