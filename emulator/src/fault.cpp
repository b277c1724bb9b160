#include "mpsock/fault.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace mpsock {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// A number followed by a unit: the number's value and the unit, lower-cased.
bool split_quantity(std::string_view text, double* number, std::string* unit) {
  text = trim(text);
  size_t digits = 0;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0 || digits > 32) return false;
  const std::string number_text(text.substr(0, digits));
  char* end = nullptr;
  *number = std::strtod(number_text.c_str(), &end);
  if (end != number_text.c_str() + number_text.size() || !std::isfinite(*number)) return false;
  unit->clear();
  for (char c : trim(text.substr(digits))) unit->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return true;
}

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  double number = 0;
  std::string unit;
  if (!split_quantity(text, &number, &unit)) return std::nullopt;
  if (unit == "ms") return static_cast<int64_t>(std::llround(number));
  if (unit == "s") return static_cast<int64_t>(std::llround(number * 1000));
  return std::nullopt;
}

std::optional<uint64_t> parse_bytes(std::string_view text) {
  double number = 0;
  std::string unit;
  if (!split_quantity(text, &number, &unit)) return std::nullopt;
  double scale = 0;
  if (unit == "b") scale = 1;
  if (unit == "kb") scale = 1000;
  if (unit == "mb") scale = 1000 * 1000;
  if (unit == "kib") scale = 1024;
  if (unit == "mib") scale = 1024 * 1024;
  if (scale == 0 || number * scale > 1e18) return std::nullopt;
  return static_cast<uint64_t>(std::llround(number * scale));
}

}  // namespace

Result<Fault> parse_fault(std::string_view spec) {
  Fault fault;
  std::string_view text = trim(spec);

  const size_t for_at = text.find(" for ");
  if (for_at != std::string_view::npos) {
    fault.for_ms = parse_duration_ms(text.substr(for_at + 5));
    if (!fault.for_ms || *fault.for_ms <= 0) return Error::value("bad duration after 'for' in fault '" + std::string(spec) + "'");
    text = trim(text.substr(0, for_at));
  }
  const size_t at = text.find('@');
  if (at != std::string_view::npos) {
    const std::string_view when = text.substr(at + 1);
    if (auto ms = parse_duration_ms(when)) {
      fault.at_ms = *ms;
    } else if (auto bytes = parse_bytes(when)) {
      fault.at_bytes = *bytes;
    } else {
      return Error::value("bad time or byte count '" + std::string(when) + "' in fault '" + std::string(spec) +
                          "' (use e.g. 2s, 500ms, 10KB, 1MiB)");
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
