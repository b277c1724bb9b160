#include "dropped_sockets.h"

#include <atomic>
#include <mutex>
#include <vector>

namespace mpsock::py {

namespace {

std::atomic<bool> at_once{true};
std::mutex dropped_mutex;
// Never destroyed: holds sockets whose destructors would run after the stack at exit.
auto& dropped = *new std::vector<std::shared_ptr<Socket>>();
std::atomic<size_t> ever{0};

}  // namespace

void set_close_dropped_at_once(bool value) {
  at_once = value;
}

bool close_dropped_at_once() {
  return at_once;
}

bool keep_dropped(std::shared_ptr<Socket>& socket) {
  if (at_once || !socket || socket->closed()) return false;
  std::lock_guard<std::mutex> guard(dropped_mutex);
  dropped.push_back(std::move(socket));
  ++ever;
  return true;
}

size_t collect_dropped() {
  std::vector<std::shared_ptr<Socket>> collected;
  {
    std::lock_guard<std::mutex> guard(dropped_mutex);
    collected.swap(dropped);
  }
  for (const auto& socket : collected) socket->close();
  return collected.size();
}

size_t dropped_now() {
  std::lock_guard<std::mutex> guard(dropped_mutex);
  return dropped.size();
}

size_t dropped_ever() {
  return ever;
}

}  // namespace mpsock::py
