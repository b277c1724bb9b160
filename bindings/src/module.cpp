// The _mpsock extension: the socket and select modules a script sees, and the controls the
// mpsock package uses to run scripts (profile, host table, signals, shutdown).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pythread.h>

#include "modselect.h"
#include "modsocket.h"
#include "mpsock/fault.h"
#include "mpsock/link.h"
#include "mpsock/profile.h"
#include "mpsock/resolver.h"
#include "mpsock/stack.h"
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
  return d;
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
        "Whether a TCP server bound to the wildcard listens on every host interface.");
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
  m.def("schedule", [](pyb::object function, pyb::object arg) {
    if (!schedule(std::move(function), std::move(arg))) throw std::runtime_error("schedule queue full");
  }, "micropython.schedule: run function(arg) on the main thread soon.");
  // ---- The emulated link: conditions, state, faults, trace ----
  m.def("set_conditions", [](double latency_ms, double jitter_ms, double bandwidth_bps, double loss, uint64_t seed) {
    if (latency_ms < 0 || jitter_ms < 0 || bandwidth_bps < 0) throw pyb::value_error("conditions must not be negative");
    if (loss < 0 || loss > 1) throw pyb::value_error("loss must be between 0 and 1");
    LinkConditions conditions;
    conditions.latency_ms = latency_ms;
    conditions.jitter_ms = jitter_ms;
    conditions.bandwidth_bps = bandwidth_bps;
    conditions.loss = loss;
    conditions.seed = seed;
    current_stack()->set_conditions(conditions);
  }, pyb::arg("latency_ms") = 0.0, pyb::arg("jitter_ms") = 0.0, pyb::arg("bandwidth_bps") = 0.0,
     pyb::arg("loss") = 0.0, pyb::arg("seed") = 1,
     "Latency (round trip), jitter, bandwidth each way (0: unlimited) and loss between the camera and the world.");
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
  m.def("trace_to", [](const std::string& path) { check(current_stack()->trace().open(path)); },
        "Records every socket call and network event to `path` as JSON lines.");
  m.def("trace_stop", [] { current_stack()->trace().close(); });
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
    without_gil_do([&] { stack->shutdown(); });
  }, "Closes every socket and lets graceful closes finish (at exit).");
}
