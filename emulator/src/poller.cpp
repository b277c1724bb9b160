#include "mpsock/poller.h"

#include <fcntl.h>
#include <poll.h>

#include <algorithm>

#include "mpsock/stack.h"

namespace mpsock {

Poller::Poller(std::shared_ptr<Stack> stack) : stack_(std::move(stack)) {}

Poller::~Poller() {
  {
    std::lock_guard<std::mutex> guard(stack_->mutex());
    for (Entry& entry : entries_) release_watcher(entry.watcher);
  }
  entries_.clear();  // outside the lock: a last socket reference closes its socket
}

Poller::Entry* Poller::find(Key key) {
  for (Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

void Poller::add_socket(Key key, std::shared_ptr<Socket> socket, int events) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (Entry* entry = find(key)) {
    entry->events = events;
    return;
  }
  Entry entry;
  entry.key = key;
  entry.socket = std::move(socket);
  entry.events = events;
  entries_.push_back(std::move(entry));
}

void Poller::add_fd(Key key, int fd, int events) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (Entry* entry = find(key)) {
    entry->events = events;
    watch_fd(*entry);
    return;
  }
  Entry entry;
  entry.key = key;
  entry.fd = fd;
  entry.events = events;
  watch_fd(entry);
  entries_.push_back(std::move(entry));
}

void Poller::add_stream(Key key, int events) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  if (Entry* entry = find(key)) {
    entry->events = events;
    return;
  }
  Entry entry;
  entry.key = key;
  entry.stream = true;
  entry.events = events;
  entries_.push_back(std::move(entry));
}

std::vector<Poller::Ready> Poller::streams() const {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  std::vector<Ready> streams;
  for (const Entry& entry : entries_) {
    if (entry.stream) streams.push_back(Ready{entry.key, entry.events});
  }
  return streams;
}

// Descriptors are read with poll(2) at each scan; libuv only watches them so a ready one wakes
// the wait. Regular files cannot be watched, and poll(2) reports them always ready anyway.
void Poller::watch_fd(Entry& entry) {
  int watched = 0;
  if (entry.events & MP_POLLIN) watched |= UV_READABLE;
  if (entry.events & MP_POLLOUT) watched |= UV_WRITABLE;
  if (entry.watcher == nullptr) {
    auto* watcher = new uv_poll_t;
    // uv_poll_init makes the descriptor non-blocking, and the flag belongs to the open file
    // (shared with the terminal, say): a script's later sys.stdin.readline() would find
    // nothing instead of waiting. Watching does not need it, so put the flags back.
    const int flags = fcntl(entry.fd, F_GETFL);
    const int r = uv_poll_init(stack_->loop(), watcher, entry.fd);
    if (flags != -1) fcntl(entry.fd, F_SETFL, flags);
    if (r != 0) {
      delete watcher;
      return;
    }
    watcher->data = stack_.get();
    entry.watcher = watcher;
  }
  uv_poll_start(entry.watcher, watched, [](uv_poll_t* watcher, int, int) {
    static_cast<Stack*>(watcher->data)->notify_changed();
  });
}

void Poller::release_watcher(uv_poll_t* watcher) {
  if (watcher == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(watcher),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
}

bool Poller::modify(Key key, int events) {
  std::lock_guard<std::mutex> guard(stack_->mutex());
  Entry* entry = find(key);
  if (entry == nullptr) return false;
  entry->events = events;
  if (entry->fd >= 0) watch_fd(*entry);
  return true;
}

void Poller::remove(Key key) {
  std::shared_ptr<Socket> dropped;  // released after the lock: the last reference closes it
  std::lock_guard<std::mutex> guard(stack_->mutex());
  auto it = std::find_if(entries_.begin(), entries_.end(), [key](const Entry& e) { return e.key == key; });
  if (it == entries_.end()) return;
  release_watcher(it->watcher);
  dropped = std::move(it->socket);
  entries_.erase(it);
}

// modselect poll_map_poll: ask each object what it has; ERR, HUP and NVAL count even when
// they were not asked for. Streams were asked by their owner.
void Poller::scan_locked(const std::vector<Ready>& streams_ready, std::vector<Ready>* ready) {
  for (Entry& entry : entries_) {
    int revents = 0;
    if (entry.stream) {
      for (const Ready& stream : streams_ready) {
        if (stream.key == entry.key) revents = stream.events;
      }
    } else if (entry.socket) {
      revents = entry.socket->poll_locked(entry.events);
    } else {
      pollfd fd{entry.fd, 0, 0};
      if (entry.events & MP_POLLIN) fd.events |= POLLIN;
      if (entry.events & MP_POLLOUT) fd.events |= POLLOUT;
      if (::poll(&fd, 1, 0) > 0) {
        if (fd.revents & POLLIN) revents |= MP_POLLIN;
        if (fd.revents & POLLOUT) revents |= MP_POLLOUT;
        if (fd.revents & POLLERR) revents |= MP_POLLERR;
        if (fd.revents & POLLHUP) revents |= MP_POLLHUP;
        if (fd.revents & POLLNVAL) revents |= MP_POLLNVAL;
      }
    }
    if (revents != 0) ready->push_back(Ready{entry.key, revents});
  }
}

Result<std::vector<Poller::Ready>> Poller::poll(int64_t timeout_ms, bool one_shot,
                                                const std::vector<Ready>& streams_ready,
                                                const std::vector<Wake>& wake_on) {
  std::unique_lock<std::mutex> lock(stack_->mutex());
  std::vector<Ready> ready;
  const Deadline deadline =
      streams_ready.empty() ? Deadline::from_timeout_ms(timeout_ms) : Deadline::now();
  const WaitOutcome outcome = stack_->wait(lock, deadline, [&] {
    ready.clear();
    scan_locked(streams_ready, &ready);
    if (!ready.empty()) return true;
    for (const Wake& wake : wake_on) {
      if (wake.socket->poll_locked(wake.events) != 0) return true;
    }
    return false;
  });
  if (outcome == WaitOutcome::interrupted) return Error::interrupted();
  if (one_shot) {
    for (const Ready& r : ready) {
      if (Entry* entry = find(r.key)) {
        entry->events = 0;
        if (entry->fd >= 0) watch_fd(*entry);
      }
    }
  }
  return ready;
}

}  // namespace mpsock
