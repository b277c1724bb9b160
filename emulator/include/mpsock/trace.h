// The trace: one JSON object per line for every socket call (its arguments, its result or
// errno) and every network event, with the time since tracing began. Off by default; a
// disabled trace costs one flag test per call.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "mpsock/deadline.h"
#include "mpsock/errors.h"

namespace mpsock {

// The fields of one record, as a JSON object body.
class TraceRecord {
 public:
  TraceRecord& add(std::string_view key, int64_t value);
  TraceRecord& add(std::string_view key, uint64_t value);
  TraceRecord& add(std::string_view key, int value) { return add(key, static_cast<int64_t>(value)); }
  TraceRecord& add(std::string_view key, double value);
  TraceRecord& add(std::string_view key, bool value);
  TraceRecord& add(std::string_view key, std::string_view value);
  TraceRecord& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  TraceRecord& add_null(std::string_view key);
  // The outcome of a call: "errno" for an OSError, "error" for other exceptions.
  TraceRecord& add_error(const Error& error);
  const std::string& body() const { return body_; }

 private:
  void key(std::string_view name);
  std::string body_;
};

class Trace {
 public:
  // A script calling in a tight loop writes megabytes of trace a second; past the limit the
  // trace stops, with a last record saying so ({"event":"trace-limit","limit":N}), so a run
  // cannot fill the disk.
  static constexpr uint64_t kDefaultLimit = 100'000'000;  // 100 MB
  static constexpr uint64_t kUnlimited = UINT64_MAX;
  // Room for the closing record at least.
  static constexpr uint64_t kSmallestLimit = 1024;

  ~Trace();
  // Starts writing to `path` (truncated), at most `limit` bytes. The file's errors come back as
  // OSError numbers; a limit under kSmallestLimit is a ValueError.
  Status open(const std::string& path, uint64_t limit = kDefaultLimit);
  void close();
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  void write(const TraceRecord& record);

 private:
  std::atomic<bool> enabled_{false};
  std::mutex mutex_;
  FILE* file_ = nullptr;
  Clock::time_point start_;
  uint64_t limit_ = kDefaultLimit;
  uint64_t written_ = 0;
};

}  // namespace mpsock
