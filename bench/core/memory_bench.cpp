// Heap per socket: the C heap (glibc's mallinfo2: the core's `new`s and libuv's mallocs) that
// 1000 sockets of one kind take, divided by 1000. Reported as counters; the time is irrelevant.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include "loopback.h"

namespace mpsock::bench {
namespace {

constexpr int kSockets = 1000;

size_t heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 info = mallinfo2();
#else
  const struct mallinfo info = mallinfo();
#endif
  return static_cast<size_t>(info.uordblks) + static_cast<size_t>(info.hblkhd);
}

enum class TcpKind : int64_t {
  opened = 0,          // socket() only
  connected = 1,       // connected, nothing sent or received
  after_exchange = 2,  // connected, received (through the queue) and read 32 B once, idle since
  accepted = 3,        // accepted by an emulated listener, idle
};

void BM_HeapPerTcpSocket(benchmark::State& state) {
  const auto kind = static_cast<TcpKind>(state.range(0));
  for (auto _ : state) {
    auto stack = desktop_stack();
    KernelFd listener = kernel_listener();
    std::shared_ptr<Socket> emulated_listener;
    uint16_t emulated_port = 0;
    if (kind == TcpKind::accepted) {
      emulated_listener = open_socket(stack, MP_SOCK_STREAM);
      if (!emulated_listener->bind(loopback_endpoint(0)) || !emulated_listener->listen(8))
        die("listen");
      emulated_port = emulated_listener->local_endpoint()->port;
    }
    std::vector<std::shared_ptr<Socket>> sockets;
    std::vector<KernelFd> peers;
    sockets.reserve(kSockets);
    peers.reserve(kSockets);
    pump(*stack);

    const size_t before = heap_in_use();
    for (int i = 0; i < kSockets; ++i) {
      switch (kind) {
        case TcpKind::opened:
          sockets.push_back(open_socket(stack, MP_SOCK_STREAM));
          break;
        case TcpKind::connected:
        case TcpKind::after_exchange:
          sockets.push_back(connect_to(stack, port_of(listener.get())));
          peers.push_back(kernel_accept(listener.get()));
          if (kind == TcpKind::after_exchange) {
            // The data arrives while the script waits elsewhere (the loop runs, as in a poll
            // over many sockets), so it goes through the socket's receive queue.
            uint8_t message[32] = {};
            write_all(peers.back().get(), message, sizeof(message));
            pump(*stack);
            if (!sockets.back()->recv(message, sizeof(message), 0)) die("recv");
          }
          break;
        case TcpKind::accepted: {
          peers.push_back(kernel_connect(emulated_port));
          Result<Accepted> accepted = emulated_listener->accept();
          if (!accepted) die("accept");
          sockets.push_back(accepted->socket);
          break;
        }
      }
    }
    pump(*stack);
    const size_t after = heap_in_use();
    state.counters["heap_bytes_per_socket"] = static_cast<double>(after - before) / kSockets;
    state.PauseTiming();
    sockets.clear();
    peers.clear();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_HeapPerTcpSocket)
    ->ArgName("kind")
    ->Arg(static_cast<int64_t>(TcpKind::opened))
    ->Arg(static_cast<int64_t>(TcpKind::connected))
    ->Arg(static_cast<int64_t>(TcpKind::after_exchange))
    ->Arg(static_cast<int64_t>(TcpKind::accepted))
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

enum class UdpKind : int64_t {
  opened = 0,          // socket() only
  bound = 1,           // bound, nothing received
  after_datagram = 2,  // received and read one datagram, idle since
};

void BM_HeapPerUdpSocket(benchmark::State& state) {
  const auto kind = static_cast<UdpKind>(state.range(0));
  for (auto _ : state) {
    auto stack = desktop_stack();
    KernelFd sender(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    std::vector<std::shared_ptr<Socket>> sockets;
    sockets.reserve(kSockets);
    pump(*stack);

    const size_t before = heap_in_use();
    for (int i = 0; i < kSockets; ++i) {
      sockets.push_back(open_socket(stack, MP_SOCK_DGRAM));
      if (kind == UdpKind::opened) continue;
      if (!sockets.back()->bind(loopback_endpoint(0))) die("bind");
      if (kind == UdpKind::after_datagram) {
        const sockaddr_in to = loopback_address(sockets.back()->local_endpoint()->port);
        uint8_t message[32] = {};
        ::sendto(sender.get(), message, sizeof(message), 0, reinterpret_cast<const sockaddr*>(&to),
                 sizeof(to));
        if (!sockets.back()->recv(message, sizeof(message), 0)) die("recv");
      }
    }
    pump(*stack);
    const size_t after = heap_in_use();
    state.counters["heap_bytes_per_socket"] = static_cast<double>(after - before) / kSockets;
    state.PauseTiming();
    sockets.clear();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_HeapPerUdpSocket)
    ->ArgName("kind")
    ->Arg(static_cast<int64_t>(UdpKind::opened))
    ->Arg(static_cast<int64_t>(UdpKind::bound))
    ->Arg(static_cast<int64_t>(UdpKind::after_datagram))
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mpsock::bench
