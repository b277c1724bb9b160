// select.poll over emulated sockets, host file descriptors and streams whose owner works out
// their readiness (modselect's poll_map).
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "mpsock/errors.h"
#include "mpsock/socket.h"

namespace mpsock {

class Stack;

class Poller {
 public:
  // An entry is known by the key its owner chose (the bindings use the Python object).
  using Key = uintptr_t;
  struct Ready {
    Key key;
    int events;
  };
  // A socket whose readiness for `events` ends a wait: what a stream that is not ready yet
  // waits on (a TLS socket waits on the TCP socket under it).
  struct Wake {
    std::shared_ptr<Socket> socket;
    int events;
  };

  explicit Poller(std::shared_ptr<Stack> stack);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // register(): adds the entry or replaces its mask; entries keep their first registration order.
  void add_socket(Key key, std::shared_ptr<Socket> socket, int events);
  // A host descriptor (the unix port polls any object with a fileno, e.g. sys.stdin).
  void add_fd(Key key, int fd, int events);
  // A stream whose readiness its owner asks itself (MicroPython polls any stream through its
  // ioctl(MP_STREAM_POLL); the bindings call a Python object's). It keeps its place in the
  // registration order and takes modify() and one-shot like any entry.
  void add_stream(Key key, int events);
  // The stream entries and their masks, in registration order.
  std::vector<Ready> streams() const;
  // modify(): false when the key is not registered (modselect raises ENOENT).
  bool modify(Key key, int events);
  // unregister(): no error when absent.
  void remove(Key key);
  size_t size() const { return entries_.size(); }

  // poll(timeout): the ready entries in registration order, waiting until one is ready.
  // timeout_ms < 0 waits forever, 0 does not wait. With `one_shot` (ipoll flag 1) each entry
  // returned has its mask cleared until modify() re-arms it.
  // `streams_ready` is what the stream entries reported (their owner asked them just before):
  // when it is not empty nothing waits. A socket in `wake_on` that becomes ready for its
  // events ends the wait too, with nothing returned for it: the owner then asks its streams
  // again.
  Result<std::vector<Ready>> poll(int64_t timeout_ms, bool one_shot,
                                  const std::vector<Ready>& streams_ready = {},
                                  const std::vector<Wake>& wake_on = {});

 private:
  struct Entry {
    Key key;
    std::shared_ptr<Socket> socket;
    int fd = -1;
    uv_poll_t* watcher = nullptr;  // wakes the wait when the descriptor is ready
    bool stream = false;           // asked by the owner, not by the poller
    int events = 0;
  };

  Entry* find(Key key);
  void scan_locked(const std::vector<Ready>& streams_ready, std::vector<Ready>* ready);
  void watch_fd(Entry& entry);
  static void release_watcher(uv_poll_t* watcher);

  std::shared_ptr<Stack> stack_;
  std::vector<Entry> entries_;
};

}  // namespace mpsock
