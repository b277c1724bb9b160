// Socket::set_option with any level, option and value, on fresh, bound, connected and closed
// sockets of both types. The outcome must be docs/firmware-behaviour.md's (§7): applied, "not
// implemented", or TypeError / ValueError / OSError for a value of the wrong kind, never a crash;
// timeouts must read back as set where the profile has them; nothing may be left open afterwards.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz_support.h"

using namespace mpsock;
using namespace mpsock::fuzz;

namespace {

constexpr int kKnownOptions[] = {
    MP_SO_REUSEADDR, MP_SO_BROADCAST,      MP_TCP_NODELAY,        MP_SO_SNDTIMEO,
    MP_SO_RCVTIMEO,  MP_IP_ADD_MEMBERSHIP, MP_IP_DROP_MEMBERSHIP, MP_SO_CALLBACK,
};
constexpr int kLevels[] = {MP_SOL_SOCKET, MP_IPPROTO_IP, MP_IPPROTO_TCP};

OptionValue pick_value(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return in.ConsumeIntegral<int64_t>();
  const size_t length = in.ConsumeIntegralInRange<size_t>(0, 16);
  std::vector<uint8_t> bytes = in.ConsumeBytes<uint8_t>(length);
  // Multicast groups and loopback interfaces are the interesting 8-byte values.
  if (bytes.size() == 8 && in.ConsumeBool()) {
    bytes[0] = static_cast<uint8_t>(224 + (bytes[0] & 0x0f));
    bytes[4] = 127;
  }
  return bytes;
}

void set_one_option(Socket& socket, FuzzedDataProvider& in) {
  const int level = in.ConsumeBool() ? in.PickValueInArray(kLevels) : in.ConsumeIntegral<int>();
  const int option =
      in.ConsumeBool() ? in.PickValueInArray(kKnownOptions) : in.ConsumeIntegral<int>();
  const OptionValue value = pick_value(in);
  const bool was_closed = socket.closed();

  Result<OptionOutcome> outcome = socket.set_option(level, option, value);
  if (!succeeded(outcome, "set_option")) {
    const Error& error = outcome.error();
    if (error.kind == ErrorKind::os) {
      // EBADF on a closed socket; EINVAL from a multicast membership the host refuses.
      FUZZ_CHECK(error.code == MP_EBADF || error.code == MP_EINVAL || error.code == MP_ENOMEM,
                 "option %d: errno %d", option, error.code);
      if (error.code == MP_EBADF) FUZZ_CHECK(was_closed, "EBADF from an open socket");
    }
    return;
  }
  FUZZ_CHECK(!was_closed, "option %d applied to a closed socket", option);
  const int64_t* number = std::get_if<int64_t>(&value);
  // The timeout options exist only where the profile has them (the desktop's, not lwIP's).
  if ((option == MP_SO_RCVTIMEO || option == MP_SO_SNDTIMEO) && socket.knows_option(option)) {
    FUZZ_CHECK(number != nullptr && *number >= 0,
               "a timeout accepted from a non-number or negative");
    const int64_t expected = *number == 0 ? -1 : *number;  // 0 means "no timeout"
    const int64_t now =
        option == MP_SO_RCVTIMEO ? socket.recv_timeout_ms() : socket.send_timeout_ms();
    FUZZ_CHECK(now == expected, "timeout reads back %lld, set %lld", static_cast<long long>(now),
               static_cast<long long>(*number));
  }
  if (*outcome == OptionOutcome::not_implemented) {
    FUZZ_CHECK(!socket.knows_option(option) || option == MP_SO_CALLBACK,
               "known option %d not implemented", option);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The calling thread's wake-up descriptor lives as long as the thread: open it first.
  auto stack = Stack::create(fast_closing(default_profile()));
  (void)stack->sleep_ms(0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // Counted per input: between inputs libFuzzer itself may open some (its symbolizer).
  const int descriptors = open_descriptors();
  const Profile& base = in.ConsumeBool() ? *find_profile("desktop") : default_profile();
  {
    auto stack = Stack::create(fast_closing(base));
    const int type = in.ConsumeBool() ? MP_SOCK_DGRAM : MP_SOCK_STREAM;
    const int family = base.ipv6 && in.ConsumeBool() ? MP_AF_INET6 : MP_AF_INET;
    Result<std::shared_ptr<Socket>> opened = stack->open_socket(family, type, 0);
    FUZZ_CHECK(opened.ok(), "a first socket could not be opened");
    std::shared_ptr<Socket> socket = *opened;

    while (in.remaining_bytes() > 0) {
      switch (in.ConsumeIntegralInRange<int>(0, 5)) {
        case 0:
          (void)succeeded(socket->bind(Endpoint{IpAddress::loopback(family), 0}), "bind");
          break;
        case 1:
          if (type == MP_SOCK_DGRAM) {
            (void)succeeded(socket->connect(Endpoint{IpAddress::loopback(family), 9}), "connect");
          } else {
            (void)succeeded(socket->listen(in.ConsumeIntegralInRange<int>(-1, 4)), "listen");
          }
          break;
        case 2:
          socket->close();
          break;
        default:
          set_one_option(*socket, in);
          break;
      }
    }
    socket.reset();
    stack->shutdown();
    FUZZ_CHECK(stack->pcbs_in_use(PcbKind::tcp) == 0 &&
                   stack->pcbs_in_use(PcbKind::tcp_listen) == 0 &&
                   stack->pcbs_in_use(PcbKind::udp) == 0,
               "a pcb is still counted after every socket closed");
  }
  check_descriptors(descriptors);
  return 0;
}
