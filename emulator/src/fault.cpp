#include "mpsock/fault.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "mpsock/quantity.h"

namespace mpsock {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<Fault> parse_fault(std::string_view spec) {
  Fault fault;
  std::string_view text = trim(spec);

  const size_t for_at = text.find(" for ");
  if (for_at != std::string_view::npos) {
    fault.for_ms = parse_duration_ms(text.substr(for_at + 5));
    if (!fault.for_ms || *fault.for_ms <= 0) {
      return Error::value("bad duration after 'for' in fault '" + std::string(spec) +
                          "' (from 1ms to 86400s, e.g. 3s)");
    }
    text = trim(text.substr(0, for_at));
  }
  const size_t at = text.find('@');
  if (at != std::string_view::npos) {
    const std::string_view when = text.substr(at + 1);
    if (auto ms = parse_duration_ms(when)) {
      fault.at_ms = *ms;
    } else if (auto bytes = parse_byte_count(when)) {
      fault.at_bytes = *bytes;
    } else {
      return Error::value("bad time or byte count '" + std::string(when) + "' in fault '" + std::string(spec) +
                          "' (use e.g. 2s, 500ms, 10KB, 1MiB; a time up to 86400s, a count up to 10^18 bytes)");
    }
    text = trim(text.substr(0, at));
  }
  const size_t colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  if (colon != std::string_view::npos) fault.name = std::string(trim(text.substr(colon + 1)));

  if (kind == "reset") {
    fault.kind = Fault::Kind::reset;
  } else if (kind == "close") {
    fault.kind = Fault::Kind::close;
  } else if (kind == "link-down") {
    fault.kind = Fault::Kind::link_down;
  } else if (kind == "dns-fail") {
    fault.kind = Fault::Kind::dns_fail;
    if (fault.name.empty()) return Error::value("dns-fail needs a host name: dns-fail:NAME");
  } else {
    return Error::value("unknown fault '" + std::string(kind) + "' (known: reset, close, link-down, dns-fail)");
  }
  if (fault.kind != Fault::Kind::dns_fail && !fault.name.empty()) {
    return Error::value("fault '" + std::string(kind) + "' takes no name");
  }
  if (fault.for_ms && fault.kind != Fault::Kind::link_down) {
    return Error::value("only link-down takes a duration ('for ...')");
  }
  return fault;
}

std::string describe(const Fault& fault) {
  std::string text;
  switch (fault.kind) {
    case Fault::Kind::reset:
      text = "reset";
      break;
    case Fault::Kind::close:
      text = "close";
      break;
    case Fault::Kind::link_down:
      text = "link-down";
      break;
    case Fault::Kind::dns_fail:
      text = "dns-fail:" + fault.name;
      break;
  }
  if (fault.at_ms) text += "@" + std::to_string(*fault.at_ms) + "ms";
  if (fault.at_bytes) text += "@" + std::to_string(*fault.at_bytes) + "B";
  if (fault.for_ms) text += " for " + std::to_string(*fault.for_ms) + "ms";
  return text;
}

}  // namespace mpsock
