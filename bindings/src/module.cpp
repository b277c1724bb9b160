// The _mpsock extension: the socket and select modules a script sees, and the controls the
// mpsock package uses to run scripts (profile, host table, signals, shutdown).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pythread.h>

#include "image_buffer.h"
#include "dropped_sockets.h"
#include "modselect.h"
#include "modsocket.h"
#include "mpsock/fault.h"
#include "mpsock/link.h"
#include "mpsock/profile.h"
#include "mpsock/quantity.h"
#include "mpsock/resolver.h"
#include "mpsock/stack.h"
#include "mpsock/trace.h"
#include "py_errors.h"
#include "runtime.h"
#include "without_gil.h"

namespace pyb = pybind11;
using namespace mpsock;
using namespace mpsock::py;

namespace {

pyb::dict describe(const Profile& p) {
  pyb::dict d;
  d["name"] = p.name;
  d["description"] = p.description;
  d["source"] = p.source;
  d["tcp_mss"] = p.tcp_mss;
  d["tcp_wnd"] = p.tcp_wnd;
  d["tcp_snd_buf"] = p.tcp_snd_buf;
  d["mem_size"] = p.mem_size;
  d["tcp_pcbs"] = p.tcp_pcbs;
  d["tcp_listen_pcbs"] = p.tcp_listen_pcbs;
  d["udp_pcbs"] = p.udp_pcbs;
  d["udp_pcbs_for_system"] = p.udp_pcbs_for_system;
  d["udp_queue"] = p.udp_queue;
  d["listen_backlog"] = p.listen_backlog;
  d["close_timeout_ms"] = p.close_timeout_ms;
  d["ipv6"] = p.ipv6;
  d["strict_surface"] = p.strict_surface;
  pyb::dict camera;
  camera["board_type"] = p.omv_board_type;
  camera["arch"] = p.omv_arch;
  camera["firmware"] = p.omv_version;
  camera["sensor"] = p.sensor_name;
  camera["chip_id"] = p.sensor_chip_id;
  camera["max_width"] = p.sensor_max_width;
  camera["max_height"] = p.sensor_max_height;
  pyb::list modes;
  for (const SensorMode& mode : p.sensor_modes) modes.append(pyb::make_tuple(mode.max_width, mode.max_height, mode.fps));
  camera["modes"] = modes;
  d["camera"] = camera;
  d["platform"] = p.platform;
  d["machine"] = p.machine;
  d["build"] = p.build;
  d["micropython_version"] = p.micropython_version;
  d["mpy_arch"] = p.mpy_arch;
  d["epoch_year"] = p.epoch_year;
  d["heap_size"] = p.heap_size;
  d["builtin_modules"] = p.builtin_modules;
  d["frozen_modules"] = p.frozen_modules;
  d["host_modules"] = p.host_modules;
  d["unique_id_size"] = p.unique_id_size;
  d["cpu_hz"] = p.cpu_hz;
  d["flash_mount"] = p.flash_mount;
  d["sys_path"] = p.sys_path;
  d["main_at_soft_reset"] = p.main_at_soft_reset;
  return d;
}

// A trace record from the mpsock package (a board event such as an LED): event name plus
// fields of int, float, bool or str.
TraceRecord board_record(const std::string& event, const pyb::dict& fields) {
  TraceRecord record;
  record.add("event", event);
  for (auto item : fields) {
    const std::string key = pyb::str(item.first);
    pyb::handle value = item.second;
    if (pyb::isinstance<pyb::bool_>(value)) {
      record.add(key, value.cast<bool>());
    } else if (pyb::isinstance<pyb::int_>(value)) {
      record.add(key, value.cast<int64_t>());
    } else if (pyb::isinstance<pyb::float_>(value)) {
      record.add(key, value.cast<double>());
    } else if (pyb::isinstance<pyb::str>(value)) {
      record.add(key, value.cast<std::string>());
    } else {
      throw pyb::type_error("trace field '" + key + "' must be int, float, bool or str");
    }
  }
  return record;
}

const Profile& profile_named(const std::string& name) {
  const Profile* profile = find_profile(name);
  if (profile == nullptr) {
    std::string known;
    for (const Profile& p : builtin_profiles()) known += (known.empty() ? "" : ", ") + p.name;
    throw pyb::value_error("unknown profile '" + name + "' (known: " + known + ")");
  }
  return *profile;
}

LinkConditions conditions_of(double latency_ms, double jitter_ms, double bandwidth_bps, double loss, uint64_t seed) {
  LinkConditions conditions;
  conditions.latency_ms = latency_ms;
  conditions.jitter_ms = jitter_ms;
  conditions.bandwidth_bps = bandwidth_bps;
  conditions.loss = loss;
  conditions.seed = seed;
  return conditions;
}

IpAddress address_named(const std::string& text) {
  std::optional<IpAddress> ip = IpAddress::parse(text, true);
  if (!ip || text.empty()) throw pyb::value_error("not a numeric IP address: '" + text + "'");
  return *ip;
}

}  // namespace

namespace {

// A record in the trace for a call the core did not see (the TLS layer's, on the socket it
// wraps); nothing when tracing is off.
void trace_call(pyb::handle sock, const std::string& call, pyb::dict fields) {
  if (!pyb::isinstance<PySocket>(sock)) return;
  std::shared_ptr<Socket> socket = pyb::cast<PySocket&>(sock).socket;
  Trace& trace = socket->stack().trace();
  if (!trace.enabled()) return;
  TraceRecord record;
  record.add("sock", socket->id()).add("call", call);
  for (auto item : fields) {
    const std::string key = pyb::str(item.first);
    pyb::handle value = item.second;
    if (value.is_none()) {
      record.add_null(key);
    } else if (PyBool_Check(value.ptr())) {
      record.add(key, value.ptr() == Py_True);
    } else if (PyLong_Check(value.ptr())) {
      const int64_t number = value.cast<int64_t>();
      if (key == "errno") {
        record.add_error(Error::os(static_cast<int>(number)));
      } else {
        record.add(key, number);
      }
    } else {
      record.add(key, std::string(pyb::str(value)));
    }
  }
  trace.write(record);
}

}  // namespace

PYBIND11_MODULE(_mpsock, m) {
  m.doc() = "mpsock's emulator core: the camera firmware's socket and select modules";
  main_thread_ident = PyThread_get_thread_ident();  // modules are imported on the main thread

  pyb::module_ lwip = m.def_submodule("lwip", "the firmware's socket module");
  define_socket_module(lwip, false);
  pyb::module_ lwip_desktop = m.def_submodule("lwip_desktop", "socket module of the desktop profile");
  define_socket_module(lwip_desktop, true);
  pyb::module_ select = m.def_submodule("select", "the firmware's select module");
  define_select_module(select);
  define_image_buffer(m);

  // ---- Controls for the mpsock package ----
  m.def("profiles", [] {
    pyb::list all;
    for (const Profile& p : builtin_profiles()) all.append(describe(p));
    return all;
  }, "The built-in profiles, each as a dict of its numbers.");
  m.def("default_profile_name", [] { return default_profile().name; });
  m.def("current_profile", [] { return describe(current_stack()->profile()); },
        "The profile new sockets are created under.");
  m.def("use_profile", [](const std::string& name) { reset_stack(profile_named(name)); },
        "Starts a fresh stack with the named profile (sockets already open keep theirs).");
  m.def("add_host", [](const std::string& name, const std::string& address) {
    current_stack()->resolver().add_host(name, address_named(address));
  }, "Makes getaddrinfo answer `name` with `address` (the stack's host table).");
  m.def("fail_host", [](const std::string& name, int code) {
    current_stack()->resolver().add_failure(name, code);
  }, pyb::arg("name"), pyb::arg("code") = Resolver::kNameNotFound,
     "Makes getaddrinfo fail for `name` with the negative lwIP code.");
  m.def("remove_host", [](const std::string& name) { current_stack()->resolver().remove_host(name); });
  m.def("clear_hosts", [] { current_stack()->resolver().clear_hosts(); });
  m.def("use_system_resolver", [](bool use) { current_stack()->resolver().set_use_system_resolver(use); },
        "Whether names outside the host table go to the system resolver.");
  m.def("expose_wildcard", [](bool expose) { current_stack()->set_expose_wildcard(expose); },
        "Whether sockets bound to the wildcard or a host address listen there (True) or on loopback only.");
  m.def("install_interrupts", &install_interrupts, pyb::arg("wakeup_fd"), pyb::arg("main_thread_ident"));
  m.def("sleep_ms", [](int64_t ms) {
    auto stack = current_stack();
    check(without_gil([&] { return stack->sleep_ms(ms); }));
  }, "Sleeps while the emulated network keeps running.");
  m.def("pcbs_in_use", [] {
    auto stack = current_stack();
    pyb::dict d;
    d["tcp"] = stack->pcbs_in_use(PcbKind::tcp);
    d["tcp_listen"] = stack->pcbs_in_use(PcbKind::tcp_listen);
    d["udp"] = stack->pcbs_in_use(PcbKind::udp);
    return d;
  });
  m.def("close_dropped_at_once", [](bool at_once) { set_close_dropped_at_once(at_once); },
        "Whether a socket dropped without close() closes at once (CPython) or stays open until "
        "collect_dropped() (the camera's garbage collector).");
  m.def("collect_dropped", [] { return without_gil([] { return collect_dropped(); }); },
        "Closes the sockets dropped without close(), as the camera's gc.collect() does; how many.");
  m.def("dropped_sockets", [] {
    pyb::dict d;
    d["open"] = dropped_now();
    d["ever"] = dropped_ever();
    return d;
  }, "Sockets dropped without close(): still open now, and ever.");
  m.def("schedule", [](pyb::object function, pyb::object arg) {
    if (!schedule(std::move(function), std::move(arg))) throw std::runtime_error("schedule queue full");
  }, "micropython.schedule: run function(arg) on the main thread soon.");
  // ---- The emulated link: conditions, state, faults, trace ----
  m.def("set_conditions", [](double latency_ms, double jitter_ms, double bandwidth_bps, double loss, uint64_t seed) {
    check(current_stack()->set_conditions(conditions_of(latency_ms, jitter_ms, bandwidth_bps, loss, seed)));
  }, pyb::arg("latency_ms") = 0.0, pyb::arg("jitter_ms") = 0.0, pyb::arg("bandwidth_bps") = 0.0,
     pyb::arg("loss") = 0.0, pyb::arg("seed") = 1,
     "Latency (round trip), jitter, bandwidth each way (0: unlimited) and loss between the camera and the world.");
  m.def("check_conditions", [](double latency_ms, double jitter_ms, double bandwidth_bps, double loss, uint64_t seed) {
    check(check_conditions(conditions_of(latency_ms, jitter_ms, bandwidth_bps, loss, seed)));
  }, pyb::arg("latency_ms") = 0.0, pyb::arg("jitter_ms") = 0.0, pyb::arg("bandwidth_bps") = 0.0,
     pyb::arg("loss") = 0.0, pyb::arg("seed") = 1,
     "ValueError, with the reason, for conditions set_conditions would refuse.");
  m.def("parse_duration_ms", [](const std::string& text) {
    std::optional<int64_t> ms = parse_duration_ms(text);
    if (!ms) throw pyb::value_error("bad time '" + text + "' (a number of ms or s, up to 86400s)");
    return *ms;
  }, "A time with its unit ('250ms', '2s') in milliseconds, as faults take it.");
  m.def("parse_byte_count", [](const std::string& text) {
    std::optional<uint64_t> bytes = parse_byte_count(text);
    if (!bytes) throw pyb::value_error("bad size '" + text + "' (a number of B, KB, MB, GB, KiB, MiB or GiB)");
    return *bytes;
  }, "A byte count with its unit ('64KB', '1MiB', '2GB'), as faults take it.");
  m.attr("LONGEST_SETTING_MS") = kLongestSettingMs;
  m.def("conditions", [] {
    const LinkConditions c = current_stack()->conditions();
    pyb::dict d;
    d["latency_ms"] = c.latency_ms;
    d["jitter_ms"] = c.jitter_ms;
    d["bandwidth_bps"] = c.bandwidth_bps;
    d["loss"] = c.loss;
    d["seed"] = c.seed;
    return d;
  });
  m.def("set_link_up", [](bool up) { current_stack()->set_link_up(up); },
        "The WiFi association: down makes connect and sendto fail with EHOSTUNREACH and stalls connections.");
  m.def("link_up", [] { return current_stack()->link_up(); });
  m.def("link_bytes", [] { return current_stack()->link_bytes(); }, "Bytes that crossed the link, both ways.");
  m.def("add_fault", [](const std::string& spec) { check(current_stack()->add_fault(spec)); },
        "Schedules a fault: 'reset@2s', 'link-down@5s for 3s', 'dns-fail:NAME', 'close@64KB'.");
  m.def("parse_fault", [](const std::string& spec) { return describe(check(parse_fault(spec))); },
        "Checks a fault spec without scheduling it; returns it in canonical form.");
  m.def("trace_to", [](const std::string& path, std::optional<uint64_t> limit) {
    check(current_stack()->trace().open(path, limit ? *limit : Trace::kUnlimited));
  }, pyb::arg("path"), pyb::arg("limit") = Trace::kDefaultLimit,
     "Records every socket call and network event to `path` as JSON lines, up to `limit` bytes (None: no limit).");
  m.attr("TRACE_DEFAULT_LIMIT") = Trace::kDefaultLimit;
  m.attr("TRACE_SMALLEST_LIMIT") = Trace::kSmallestLimit;
  m.def("trace_stop", [] { current_stack()->trace().close(); });
  m.def("trace_board_event", [](const std::string& event, const pyb::dict& fields) {
    Trace& trace = current_stack()->trace();
    if (trace.enabled()) trace.write(board_record(event, fields));
  }, pyb::arg("event"), pyb::arg("fields") = pyb::dict(),
     "Records a board event (an LED, the camera) in the trace, when tracing.");
  m.def("frame_interval_us", [](int width, int height) {
    return current_stack()->profile().frame_interval_us(width, height);
  }, "Microseconds between two frames of the current profile's sensor at that size (0: unpaced).");
  m.def("trace_call", &trace_call, pyb::arg("sock"), pyb::arg("call"), pyb::arg("fields"),
        "Adds a call record for an emulated socket to the trace (the TLS layer's handshake and "
        "close): `fields` maps names to str, int, bool or None; an int under \"errno\" is the "
        "call's error.");
  m.def(
      "send_timeout_ms",
      [](pyb::handle sock) {
        if (!pyb::isinstance<PySocket>(sock)) throw pyb::type_error("an emulated socket is needed");
        return pyb::cast<PySocket&>(sock).socket->send_timeout_ms();
      },
      pyb::arg("sock"),
      "An emulated socket's send timeout in ms: -1 blocks, 0 does not wait (for the TLS layer, "
      "which hands a blocking socket's records over with one sendall).");
  m.def("stream_poll", &stream_poll, pyb::arg("stream"), pyb::arg("events"),
        "What a pollable object is ready for among `events` (select.poll's question to one "
        "object): emulated sockets, streams with an ioctl, objects with a fileno.");
  m.def("shutdown", [] {
    auto stack = current_stack();
    // Threads this wakes (blocked on sockets it closes) park rather than race finalization.
    main_thread_ident = PyThread_get_thread_ident();
    exit_shutdown_started = true;
    without_gil_do([&] {
      collect_dropped();
      stack->shutdown();
    });
  }, "Closes every socket and lets graceful closes finish (at exit).");
}
