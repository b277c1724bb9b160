// Poller registration churn: register, re-register, modify, unregister and poll a few
// sockets and pipe descriptors in any order, while sockets close, receive and reopen under
// it. Checked against a model of the registrations: poll reports only registered entries, in
// registration order, with the bits modselect allows; one-shot disarms; modify of an absent
// entry fails; nothing is left open afterwards.
#include <fcntl.h>
#include <fuzzer/FuzzedDataProvider.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz_support.h"

using namespace mpsock;
using namespace mpsock::fuzz;

namespace {

constexpr size_t kSockets = 3;
constexpr int kAlwaysReported = MP_POLLERR | MP_POLLHUP | MP_POLLNVAL;
// Pipe ends use keys kPipeKey and kPipeKey + 1; sockets the keys below it. As in the bindings
// (where the key is the Python object) a new socket in a slot gets a new key, and the old one
// stays registered, alive in the poller, until unregistered.
constexpr Poller::Key kPipeKey = 1u << 20;

struct Registration {
  Poller::Key key;
  int events;
};

class Model {
 public:
  void add(Poller::Key key, int events) {
    for (Registration& r : entries_) {
      if (r.key == key) {
        r.events = events;
        return;
      }
    }
    entries_.push_back({key, events});
  }
  bool modify(Poller::Key key, int events) {
    for (Registration& r : entries_) {
      if (r.key == key) {
        r.events = events;
        return true;
      }
    }
    return false;
  }
  void remove(Poller::Key key) {
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                  [key](const Registration& r) { return r.key == key; }),
                   entries_.end());
  }
  const Registration* find(Poller::Key key) const {
    for (const Registration& r : entries_) {
      if (r.key == key) return &r;
    }
    return nullptr;
  }
  size_t position(Poller::Key key) const {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].key == key) return i;
    }
    return entries_.size();
  }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Registration> entries_;
};

bool readable(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) == 1 && (entry.revents & POLLIN) != 0;
}

int pick_events(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return in.ConsumeIntegral<int>();
  return in.ConsumeIntegralInRange<int>(0, 0x3f);
}

std::shared_ptr<Socket> open_udp(const std::shared_ptr<Stack>& stack) {
  Result<std::shared_ptr<Socket>> opened = stack->open_socket(MP_AF_INET, MP_SOCK_DGRAM, 0);
  FUZZ_CHECK(opened.ok(), "a UDP socket could not be opened");
  std::shared_ptr<Socket> socket = *opened;
  (void)succeeded(socket->bind(Endpoint{IpAddress::loopback(), 0}), "bind");
  return socket;
}

std::shared_ptr<Socket> open_any(const std::shared_ptr<Stack>& stack, FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return open_udp(stack);
  Result<std::shared_ptr<Socket>> opened = stack->open_socket(MP_AF_INET, MP_SOCK_STREAM, 0);
  FUZZ_CHECK(opened.ok(), "a TCP socket could not be opened");
  std::shared_ptr<Socket> socket = *opened;
  if (in.ConsumeBool()) {
    (void)succeeded(socket->bind(Endpoint{IpAddress::loopback(), 0}), "bind");
    (void)succeeded(socket->listen(1), "listen");
  }
  return socket;
}

void poll_and_check(Poller& poller, Model& model, FuzzedDataProvider& in) {
  const int64_t timeout = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<int64_t>(1, 3);
  const bool one_shot = in.ConsumeBool();
  Result<std::vector<Poller::Ready>> ready = poller.poll(timeout, one_shot);
  FUZZ_CHECK(succeeded(ready, "poll"), "poll failed");
  size_t last_position = 0;
  for (const Poller::Ready& r : *ready) {
    const Registration* registered = model.find(r.key);
    FUZZ_CHECK(registered != nullptr, "poll reported key %lu, which is not registered",
               static_cast<unsigned long>(r.key));
    FUZZ_CHECK(r.events != 0, "an entry reported with no events");
    FUZZ_CHECK((r.events & ~(registered->events | kAlwaysReported)) == 0,
               "key %lu: events 0x%x beyond the mask 0x%x", static_cast<unsigned long>(r.key),
               r.events, registered->events);
    const size_t position = model.position(r.key);
    FUZZ_CHECK(position >= last_position, "entries out of registration order");
    last_position = position + 1;
  }
  if (one_shot) {
    for (const Poller::Ready& r : *ready) model.modify(r.key, 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto stack = Stack::create(fast_closing(default_profile()));
  (void)stack->sleep_ms(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // Counted per input: between inputs libFuzzer itself may open some (its symbolizer).
  const int descriptors = open_descriptors();
  {
    auto stack = Stack::create(fast_closing(*find_profile("desktop")));
    int pipe_fds[2];
    FUZZ_CHECK(pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) == 0);  // a full pipe must not block
    std::array<std::shared_ptr<Socket>, kSockets> sockets;
    for (auto& socket : sockets) socket = open_udp(stack);
    std::array<Poller::Key, kSockets> generation{};
    auto poller = std::make_unique<Poller>(stack);
    Model model;

    while (in.remaining_bytes() > 0) {
      const size_t slot = in.ConsumeIntegralInRange<size_t>(0, kSockets - 1);
      const Poller::Key socket_key = 1 + slot + kSockets * generation[slot];
      const Poller::Key pipe_key = kPipeKey + (in.ConsumeBool() ? 1 : 0);
      switch (in.ConsumeIntegralInRange<int>(0, 10)) {
        case 0: {  // register a socket (again replaces the mask)
          const int events = pick_events(in);
          poller->add_socket(socket_key, sockets[slot], events);
          model.add(socket_key, events);
          break;
        }
        case 1: {  // register a pipe end, as select.poll registers sys.stdin
          const int events = pick_events(in);
          poller->add_fd(pipe_key, pipe_fds[pipe_key - kPipeKey], events);
          model.add(pipe_key, events);
          break;
        }
        case 2: {
          const Poller::Key key = in.ConsumeBool() ? socket_key : pipe_key;
          const int events = pick_events(in);
          const bool known = model.modify(key, events);
          FUZZ_CHECK(poller->modify(key, events) == known, "modify disagrees about key %lu",
                     static_cast<unsigned long>(key));
          break;
        }
        case 3: {
          const Poller::Key key = in.ConsumeBool() ? socket_key : pipe_key;
          poller->remove(key);
          model.remove(key);
          break;
        }
        case 4:
          sockets[slot]->close();
          break;
        case 5:  // the script drops its reference; a registered socket stays alive in the poller
          sockets[slot] = open_any(stack, in);
          ++generation[slot];
          break;
        case 6: {  // a datagram arrives on the slot
          Result<Endpoint> local = sockets[slot]->local_endpoint();
          if (local.ok() && local->port != 0) {
            const uint8_t byte = in.ConsumeIntegral<uint8_t>();
            (void)succeeded(sockets[(slot + 1) % kSockets]->sendto(&byte, 1, *local), "sendto");
          }
          break;
        }
        case 7: {  // the pipe becomes readable, or is drained
          uint8_t byte = 0;
          if (in.ConsumeBool()) {
            (void)!write(pipe_fds[1], &byte, 1);
          } else if (readable(pipe_fds[0])) {
            (void)!read(pipe_fds[0], &byte, 1);
          }
          break;
        }
        case 8: {  // a whole new poll object
          poller = std::make_unique<Poller>(stack);
          model = Model();
          break;
        }
        default:
          poll_and_check(*poller, model, in);
          break;
      }
      FUZZ_CHECK(poller->size() == model.size(), "poller holds %zu entries, model %zu",
                 poller->size(), model.size());
    }
    poller.reset();
    for (auto& socket : sockets) socket.reset();
    stack->shutdown();
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
  check_descriptors(descriptors);
  return 0;
}
