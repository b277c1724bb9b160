#include "mpsock/trace.h"

#include <cerrno>
#include <cinttypes>
#include <cmath>

namespace mpsock {

namespace {

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escaped;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void TraceRecord::key(std::string_view name) {
  if (!body_.empty()) body_.push_back(',');
  append_json_string(body_, name);
  body_.push_back(':');
}

TraceRecord& TraceRecord::add(std::string_view name, int64_t value) {
  key(name);
  body_ += std::to_string(value);
  return *this;
}

TraceRecord& TraceRecord::add(std::string_view name, uint64_t value) {
  key(name);
  body_ += std::to_string(value);
  return *this;
}

TraceRecord& TraceRecord::add(std::string_view name, double value) {
  key(name);
  if (!std::isfinite(value)) {
    body_ += "null";
  } else {
    char text[32];
    std::snprintf(text, sizeof(text), "%.6f", value);
    body_ += text;
  }
  return *this;
}

TraceRecord& TraceRecord::add(std::string_view name, bool value) {
  key(name);
  body_ += value ? "true" : "false";
  return *this;
}

TraceRecord& TraceRecord::add(std::string_view name, std::string_view value) {
  key(name);
  append_json_string(body_, value);
  return *this;
}

TraceRecord& TraceRecord::add_null(std::string_view name) {
  key(name);
  body_ += "null";
  return *this;
}

TraceRecord& TraceRecord::add_error(const Error& error) {
  switch (error.kind) {
    case ErrorKind::os:
      return add("errno", static_cast<int64_t>(error.code));
    case ErrorKind::value:
      return add("error", "ValueError");
    case ErrorKind::type:
      return add("error", "TypeError");
    case ErrorKind::not_implemented:
      return add("error", "NotImplementedError");
    case ErrorKind::interrupted:
      return add("error", "interrupted");
  }
  return *this;
}

Trace::~Trace() { close(); }

Status Trace::open(const std::string& path, uint64_t limit) {
  if (limit < kSmallestLimit) {
    return Error::value("a trace limit under " + std::to_string(kSmallestLimit) + " bytes leaves no room for a record");
  }
  std::lock_guard<std::mutex> guard(mutex_);
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "w");
  if (file_ == nullptr) {
    enabled_ = false;
    return Error::os(errno == ENOENT ? MP_ENOENT : MP_EIO);
  }
  start_ = Clock::now();
  limit_ = limit;
  written_ = 0;
  enabled_ = true;
  return {};
}

void Trace::close() {
  std::lock_guard<std::mutex> guard(mutex_);
  enabled_ = false;
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
}

void Trace::write(const TraceRecord& record) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (file_ == nullptr || !enabled_) return;
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  char time[48];
  const int time_length = std::snprintf(time, sizeof(time), "{\"t\":%.6f,", seconds);
  // The line, and room after it for the closing record.
  TraceRecord last;
  last.add("event", "trace-limit").add("limit", limit_);
  const uint64_t closing = static_cast<uint64_t>(time_length) + last.body().size() + 2;
  const uint64_t line = static_cast<uint64_t>(time_length) + record.body().size() + 2;
  if (limit_ != kUnlimited && written_ + line + closing > limit_) {
    // Full: the last record says so, and the trace stops.
    std::fprintf(file_, "%s%s}\n", time, last.body().c_str());
    std::fflush(file_);
    written_ += closing;
    enabled_ = false;
    return;
  }
  std::fprintf(file_, "%s%s}\n", time, record.body().c_str());
  std::fflush(file_);
  written_ += line;
}

}  // namespace mpsock
