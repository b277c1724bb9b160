// What the harnesses share: a profile whose closes finish fast, the checks every outcome must
// pass, and a count of the process's open descriptors to catch leaks across inputs.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "mpsock/mpsock.h"

namespace mpsock::fuzz {

// A broken invariant is a crash for libFuzzer: it saves the input that broke it.
#define FUZZ_CHECK(condition, ...)                                                             \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::fprintf(stderr, "" __VA_ARGS__);                                                    \
      std::fputc('\n', stderr);                                                                \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

// A board profile, with the 10 s lingering close cut so one input cannot stall the run.
inline Profile fast_closing(const Profile& base) {
  Profile profile = base;
  profile.close_timeout_ms = 20;
  return profile;
}

// The errno numbers a socket call may raise (docs/firmware-behaviour.md's list; nothing else,
// never 0).
inline bool is_firmware_errno(int code) {
  switch (code) {
    case MP_EBADF:
    case MP_EAGAIN:
    case MP_ENOMEM:
    case MP_EACCES:
    case MP_EINVAL:
    case MP_EOPNOTSUPP:
    case MP_EADDRINUSE:
    case MP_ECONNABORTED:
    case MP_ECONNRESET:
    case MP_ENOBUFS:
    case MP_EISCONN:
    case MP_ENOTCONN:
    case MP_ETIMEDOUT:
    case MP_EHOSTUNREACH:
    case MP_EALREADY:
    case MP_EINPROGRESS:
      return true;
    default:
      return false;
  }
}

// Every Error a socket call returns is one the bindings can raise as docs/firmware-behaviour.md
// says. Nothing installs an interrupt source here, so `interrupted` is never right.
inline void check_error(const Error& error, const char* call) {
  switch (error.kind) {
    case ErrorKind::os:
      FUZZ_CHECK(is_firmware_errno(error.code), "%s returned errno %d", call, error.code);
      return;
    case ErrorKind::value:
    case ErrorKind::type:
    case ErrorKind::not_implemented:
      return;
    case ErrorKind::interrupted:
      FUZZ_CHECK(false, "%s was interrupted without a signal", call);
  }
  FUZZ_CHECK(false, "%s returned an unknown error kind", call);
}

template <class T>
bool succeeded(const Result<T>& result, const char* call) {
  if (!result) check_error(result.error(), call);
  return result.ok();
}

inline bool succeeded(const Status& status, const char* call) {
  if (!status) check_error(status.error(), call);
  return status.ok();
}

// Open descriptors of this process (entries of /proc/self/fd, less the one listing them).
inline int open_descriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count - 3;  // ".", ".." and the directory's own descriptor
}

// What each open descriptor is ("3 -> anon_inode:[eventfd]"), to say what leaked.
inline void print_descriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string path = std::string("/proc/self/fd/") + entry->d_name;
    char target[256] = {0};
    if (readlink(path.c_str(), target, sizeof(target) - 1) > 0)
      std::fprintf(stderr, "  %s -> %s\n", entry->d_name, target);
  }
  closedir(dir);
}

// The descriptor count is back where it started; otherwise list what is open and fail. The
// network thread may hold the last reference to a stack for a moment after the script dropped
// it, and the stack's loop then closes on that thread: give it a second to settle.
inline void check_descriptors(int baseline) {
  int now = open_descriptors();
  for (int waited_ms = 0; now != baseline && waited_ms < 1000; ++waited_ms) {
    usleep(1000);
    now = open_descriptors();
  }
  if (now == baseline) return;
  print_descriptors();
  FUZZ_CHECK(now == baseline, "descriptors: %d before the input, %d after", baseline, now);
}

}  // namespace mpsock::fuzz
