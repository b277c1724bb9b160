// Quantities in settings, written with their units: times ("250ms", "2s") and byte counts
// ("1500B", "64KB", "1MiB", "2GB"). Each is checked against its range while it is still a
// double, so no conversion to an integer can overflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mpsock {

// The longest time a setting may name (a delay, a fault's time or duration): a day.
inline constexpr int64_t kLongestSettingMs = int64_t{24} * 3600 * 1000;
// The largest byte count a setting may name: 10^18.
inline constexpr uint64_t kLargestByteCount = 1'000'000'000'000'000'000u;

// A time in ms or s, from 0 to kLongestSettingMs, rounded to the millisecond; nullopt
// otherwise (no unit, another unit, a sign, an exponent, out of range).
std::optional<int64_t> parse_duration_ms(std::string_view text);

// A byte count in B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), from 0 to
// kLargestByteCount, rounded to the byte; nullopt otherwise.
std::optional<uint64_t> parse_byte_count(std::string_view text);

}  // namespace mpsock
