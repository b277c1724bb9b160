#include "mpsock/profile.h"

#include <initializer_list>
#include <string>
#include <vector>

namespace mpsock {

namespace {

std::vector<std::string> words(const char* text) {
  std::vector<std::string> out;
  std::string word;
  for (const char* c = text;; ++c) {
    if (*c == ' ' || *c == '\0') {
      if (!word.empty()) out.push_back(word);
      word.clear();
      if (*c == '\0') break;
    } else {
      word += *c;
    }
  }
  return out;
}

std::vector<std::string> joined(std::initializer_list<const char*> lists) {
  std::vector<std::string> out;
  for (const char* list : lists) {
    for (std::string& word : words(list)) out.push_back(std::move(word));
  }
  return out;
}

// The C modules of a networked MicroPython port (extmod), as `help("modules")` lists them.
constexpr const char kMicroPythonModules[] =
    "array binascii builtins cmath collections cryptolib deflate errno framebuf gc hashlib heapq io "
    "json machine math micropython network os platform random re select socket struct sys time tls "
    "uctypes vfs websocket _asyncio _onewire _thread _webrepl";
// OpenMV's own C modules (its modules/ folder, enabled on the current boards).
constexpr const char kOpenMvModules[] =
    "csi sensor image omv fir tv gif mjpeg audio display ulab";
// The Python libraries OpenMV freezes into its firmware (boards/OPENMV_RT1060/manifest.py; the
// AE3 and N6 freeze the same OpenMV library set).
constexpr const char kOpenMvFrozen[] =
    "asyncio uasyncio requests mqtt rpc mutex ssl ntptime webrepl logging senml onewire ds18x20 "
    "dht neopixel aioble modbus pid bno055 ssd1306 ssd1351 pca9674a tb6612 vl53l1x ml protocol "
    "microdot";
constexpr const char kIdentitySource[] =
    " Identity: MicroPython ports/<port>/mpconfigport.h MICROPY_PY_SYS_PLATFORM, the board's "
    "MICROPY_HW_BOARD_NAME and MICROPY_HW_MCU_NAME, docs/library/time.rst (epoch), OpenMV "
    "boards/<board>/board_config.h OMV_GC_BLOCK*_SIZE (heap).";

// Where OpenMV's boards keep their files: the flash (or SD card) is mounted at "/" and is the
// current folder; boot.py runs at every boot, main.py only at the first (power-on, hard reset);
// sys.path is what MicroPython's mp_init() starts with.
constexpr const char kOpenMvFilesystemSource[] =
    " Filesystem: OpenMV src/omv/ports/<port>/main.c (mount at \"/\", exec_boot_script of boot.py, "
    "of main.py when first_soft_reset), MicroPython py/runtime.c mp_init() (sys.path).";

// What every lwIP board here shares, cited once: lwIP's own defaults and modlwip's constants.
constexpr const char kLwipCommonSource[] =
    "lwIP src/include/lwip/opt.h: MEMP_NUM_TCP_PCB 5, MEMP_NUM_TCP_PCB_LISTEN 8; "
    "MicroPython extmod/lwip-include/lwipopts_common.h: "
    "MEMP_NUM_UDP_PCB (4 + LWIP_MDNS_RESPONDER); "
    "extmod/modlwip.c: LWIP_INCOMING_PACKET_QUEUE_LEN 4, "
    "MICROPY_PY_LWIP_TCP_CLOSE_TIMEOUT_MS 10000; "
    "py/mpconfig.h: MICROPY_PY_SOCKET_LISTEN_BACKLOG_DEFAULT 2";

// Boards' lwIP settings, from shared/spec/firmware-socket-behavior.md section 9, checked against
// MicroPython's sources; each profile's `source` names the file and setting of every number.
std::vector<Profile> make_profiles() {
  std::vector<Profile> profiles;

  Profile rt1062;
  rt1062.name = "openmv-rt1062";
  rt1062.description = "OpenMV Cam RT1062 (MicroPython mimxrt port, lwIP, CYW43 WiFi)";
  rt1062.source =
      "MicroPython ports/mimxrt/lwip_inc/lwipopts.h (the lwipopts_common.h default tier): "
      "TCP_MSS 800, TCP_WND (8 * TCP_MSS), TCP_SND_BUF (8 * TCP_MSS), MEM_SIZE 8000, "
      "LWIP_IPV6 0; " +
      std::string(kLwipCommonSource);
  rt1062.tcp_mss = 800;
  rt1062.tcp_wnd = 8 * 800;
  rt1062.tcp_snd_buf = 8 * 800;
  rt1062.mem_size = 8000;
  rt1062.source += kIdentitySource;
  rt1062.source += kOpenMvFilesystemSource;
  rt1062.platform = "mimxrt";
  rt1062.machine = "OpenMV IMXRT1060 with MIMXRT1062DVJ6A";
  rt1062.build = "OPENMV_RT1060";
  rt1062.mpy_arch = "armv7emdp";  // Cortex-M7 with a double-precision FPU
  rt1062.epoch_year = 1970;       // the mimxrt port keeps the POSIX epoch
  rt1062.heap_size = (64 + 204) * 1024 + 8 * 1024 * 1024;  // OCRM2 64K + DTCM 204K + SDRAM 8M
  rt1062.builtin_modules = joined({kMicroPythonModules, "mimxrt", kOpenMvModules});
  rt1062.frozen_modules = words(kOpenMvFrozen);
  rt1062.cpu_hz = 600000000;
  profiles.push_back(rt1062);

  Profile ae3;
  ae3.name = "openmv-ae3";
  ae3.description = "OpenMV AE3 (MicroPython alif port, lwIP)";
  ae3.source =
      "MicroPython ports/alif/lwip_inc/lwipopts.h: TCP_MSS 1460, TCP_WND (8 * TCP_MSS), "
      "TCP_SND_BUF (8 * TCP_MSS), MEM_SIZE (16 * 1024), LWIP_IPV6 0; " +
      std::string(kLwipCommonSource);
  ae3.tcp_mss = 1460;
  ae3.tcp_wnd = 8 * 1460;
  ae3.tcp_snd_buf = 8 * 1460;
  ae3.mem_size = 16 * 1024;
  ae3.source += kIdentitySource;
  ae3.source += kOpenMvFilesystemSource;
  ae3.platform = "alif";
  ae3.machine = "OpenMV AE3 with AE302F80F55D5AE";
  ae3.build = "OPENMV_AE3";
  ae3.mpy_arch = "armv7emsp";  // Cortex-M55 with a single-precision FPU for native code
  ae3.epoch_year = 2000;
  ae3.heap_size = 4 * 1024 * 1024;  // SRAM0 4M (the HP core's GC block)
  ae3.builtin_modules = joined({kMicroPythonModules, "alif", kOpenMvModules});
  ae3.frozen_modules = words(kOpenMvFrozen);
  ae3.cpu_hz = 400000000;  // the high-performance M55 core
  profiles.push_back(ae3);

  Profile n6;
  n6.name = "openmv-n6";
  n6.description = "OpenMV N6 (MicroPython stm32 port, STM32N6 section, lwIP)";
  n6.source =
      "MicroPython ports/stm32/lwip_inc/lwipopts.h, defined(STM32N6) section: TCP_MSS 1460, "
      "TCP_WND (16 * TCP_MSS), TCP_SND_BUF (16 * TCP_MSS), MEM_SIZE (64 * 1024), LWIP_IPV6 0; " +
      std::string(kLwipCommonSource);
  n6.tcp_mss = 1460;
  n6.tcp_wnd = 16 * 1460;
  n6.tcp_snd_buf = 16 * 1460;
  n6.mem_size = 64 * 1024;
  n6.source += kIdentitySource;
  n6.source += kOpenMvFilesystemSource;
  n6.platform = "pyboard";  // the stm32 port's MICROPY_PY_SYS_PLATFORM
  n6.machine = "OpenMV N6 with STM32N657X0";
  n6.build = "OPENMV_N6";
  n6.mpy_arch = "armv7emsp";
  n6.epoch_year = 2000;
  n6.heap_size = (1 + 24) * 1024 * 1024;  // AXISRAM2 1M + PSRAM 24M
  n6.builtin_modules = joined({kMicroPythonModules, "pyb stm", kOpenMvModules});
  n6.frozen_modules = words(kOpenMvFrozen);
  n6.unique_id_size = 12;  // the STM32's 96-bit unique ID
  n6.cpu_hz = 800000000;
  profiles.push_back(n6);

  // The stm32 port on every MCU but the N6 (PYBD, NUCLEO boards with Ethernet) takes the
  // default tier of lwipopts_common.h.
  Profile stm32;
  stm32.name = "stm32-generic";
  stm32.description =
      "MicroPython's generic STM32 build with lwIP (stm32 port, any MCU but the N6)";
  stm32.source =
      "MicroPython ports/stm32/lwip_inc/lwipopts.h (no STM32N6 section) and "
      "extmod/lwip-include/lwipopts_common.h default tier: TCP_MSS 800, TCP_WND (8 * TCP_MSS), "
      "TCP_SND_BUF (8 * TCP_MSS), MEM_SIZE 8000, LWIP_IPV6 0; " +
      std::string(kLwipCommonSource);
  stm32.tcp_mss = 800;
  stm32.tcp_wnd = 8 * 800;
  stm32.tcp_snd_buf = 8 * 800;
  stm32.mem_size = 8000;
  stm32.source += kIdentitySource;
  stm32.platform = "pyboard";
  stm32.machine = "PYBD-SF6W with STM32F767IIK";
  stm32.build = "PYBD_SF6";
  stm32.mpy_arch = "armv7emdp";
  stm32.epoch_year = 2000;
  stm32.heap_size = 400 * 1024;  // about what the linker leaves of the MCU's SRAM
  stm32.builtin_modules = joined({kMicroPythonModules, "pyb stm"});
  stm32.frozen_modules = words("asyncio uasyncio dht onewire ds18x20 neopixel");
  stm32.unique_id_size = 12;
  stm32.cpu_hz = 216000000;
  // MicroPython's stm32 main.c: the internal flash at /flash (the current folder), its folder
  // and lib on sys.path, main.py at every soft reset into the friendly REPL.
  stm32.source +=
      " Filesystem: MicroPython ports/stm32/main.c (init_flash_fs at /flash, sys.path, main.py when "
      "pyexec_mode_kind is PYEXEC_MODE_FRIENDLY_REPL).";
  stm32.flash_mount = "/flash";
  stm32.sys_path = {"", ".frozen", "/flash", "/flash/lib"};
  stm32.main_at_soft_reset = true;
  profiles.push_back(stm32);

  Profile desktop;
  desktop.name = "desktop";
  desktop.description =
      "No camera limits: segments, buffers and socket counts as large as the host's";
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
  // MicroPython's unix port on the host, with the default camera's module set.
  desktop.platform = "linux";
  desktop.machine = "mpsock desktop";
  desktop.build = "standard";
  desktop.epoch_year = 1970;
  desktop.heap_size = 8 * 1024 * 1024;
  desktop.builtin_modules = rt1062.builtin_modules;
  desktop.frozen_modules = rt1062.frozen_modules;
  desktop.host_modules = true;
  desktop.cpu_hz = rt1062.cpu_hz;
  profiles.push_back(desktop);

  return profiles;
}

// ---- The camera of each board ----

// OV5640 datasheet, key specifications, "maximum image transfer rate": QVGA 120 fps, VGA 90,
// 720p 60, 1280x960 45, 1080p 30, full 2592x1944 15.
const std::vector<SensorMode> kOv5640Modes = {
    {320, 240, 120}, {640, 480, 90},   {1280, 720, 60},
    {1280, 960, 45}, {1920, 1080, 30}, {2592, 1944, 15},
};
// PixArt PAG7936 (1280x800 global shutter): full frame at 60 fps, 2x2 binned at 120 fps.
const std::vector<SensorMode> kPag7936Modes = {{640, 400, 120}, {1280, 800, 60}};

constexpr const char kCameraSource[] =
    " Camera: OpenMV boards/<board>/board_config.h OMV_BOARD_TYPE, OMV_BOARD_ARCH and the sensor "
    "drivers enabled; chip IDs from OpenMV's omv_csi.h; frame rates from the sensor's datasheet "
    "(OV5640: maximum image transfer rate per output size).";

void set_camera(Profile& p, const char* board_type, const char* arch, const char* sensor,
                int chip_id, int max_width, int max_height, const std::vector<SensorMode>& modes) {
  p.source += kCameraSource;
  p.omv_board_type = board_type;
  p.omv_arch = arch;
  p.sensor_name = sensor;
  p.sensor_chip_id = chip_id;
  p.sensor_max_width = max_width;
  p.sensor_max_height = max_height;
  p.sensor_modes = modes;
}

// Kept apart from make_profiles so the network limits and the camera read separately.
void add_cameras(std::vector<Profile>& profiles) {
  for (Profile& p : profiles) {
    if (p.name == "openmv-rt1062") {
      set_camera(p, "IMXRT1060", "OMVRT1060 32768 SDRAM", "OV5640", 0x56, 2592, 1944, kOv5640Modes);
    } else if (p.name == "openmv-ae3") {
      set_camera(p, "AE3", "OPENMV AE3", "PAG7936", 0x7936, 1280, 800, kPag7936Modes);
    } else if (p.name == "openmv-n6") {
      set_camera(p, "N6", "OpenMV N6", "PAG7936", 0x7936, 1280, 800, kPag7936Modes);
    } else {
      // No OpenMV camera (a generic board, the desktop): an OV5640's surface, frames unpaced.
      set_camera(p, "", "", "OV5640", 0x56, 2592, 1944, {});
    }
  }
}

}  // namespace

int64_t Profile::frame_interval_us(int width, int height) const {
  for (const SensorMode& mode : sensor_modes) {
    if (width <= mode.max_width && height <= mode.max_height && mode.fps > 0) {
      return static_cast<int64_t>(1e6 / mode.fps + 0.5);
    }
  }
  // Larger than every mode (a custom size): the slowest mode's rate.
  if (!sensor_modes.empty() && sensor_modes.back().fps > 0) {
    return static_cast<int64_t>(1e6 / sensor_modes.back().fps + 0.5);
  }
  return 0;
}

const std::vector<Profile>& builtin_profiles() {
  static const std::vector<Profile> profiles = [] {
    std::vector<Profile> made = make_profiles();
    add_cameras(made);
    return made;
  }();
  return profiles;
}

const Profile* find_profile(std::string_view name) {
  for (const Profile& profile : builtin_profiles()) {
    if (profile.name == name) return &profile;
  }
  return nullptr;
}

const Profile& default_profile() {
  return builtin_profiles().front();
}

}  // namespace mpsock
