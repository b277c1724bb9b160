#include "mpsock/quantity.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace mpsock {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// Digits with at most one decimal point, then a unit: the number's value and the unit,
// lower-cased. A number too long to mean anything is refused before it is read.
bool split_quantity(std::string_view text, double* number, std::string* unit) {
  text = trim(text);
  size_t digits = 0;
  size_t points = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    if (text[digits] == '.') ++points;
    ++digits;
  }
  if (digits == 0 || digits > 32 || points > 1 || (points == 1 && digits == 1)) return false;
  const std::string number_text(text.substr(0, digits));
  char* end = nullptr;
  *number = std::strtod(number_text.c_str(), &end);
  if (end != number_text.c_str() + number_text.size() || !std::isfinite(*number)) return false;
  unit->clear();
  for (char c : trim(text.substr(digits)))
    unit->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return true;
}

}  // namespace

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  double number = 0;
  std::string unit;
  if (!split_quantity(text, &number, &unit)) return std::nullopt;
  double ms = 0;
  if (unit == "ms") {
    ms = number;
  } else if (unit == "s") {
    ms = number * 1000;
  } else {
    return std::nullopt;
  }
  if (ms > static_cast<double>(kLongestSettingMs)) return std::nullopt;
  return static_cast<int64_t>(std::llround(ms));
}

std::optional<uint64_t> parse_byte_count(std::string_view text) {
  double number = 0;
  std::string unit;
  if (!split_quantity(text, &number, &unit)) return std::nullopt;
  double scale = 0;
  if (unit == "b") scale = 1;
  if (unit == "kb") scale = 1e3;
  if (unit == "mb") scale = 1e6;
  if (unit == "gb") scale = 1e9;
  if (unit == "kib") scale = 1024.0;
  if (unit == "mib") scale = 1024.0 * 1024;
  if (unit == "gib") scale = 1024.0 * 1024 * 1024;
  if (scale == 0 || number * scale > static_cast<double>(kLargestByteCount)) return std::nullopt;
  return static_cast<uint64_t>(std::llround(number * scale));
}

}  // namespace mpsock
