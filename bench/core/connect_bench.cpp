// Opening, connecting and closing a TCP socket, beside the same with kernel sockets.
#include <benchmark/benchmark.h>

#include "loopback.h"

namespace mpsock::bench {
namespace {

// socket() and close() alone: the emulator's bookkeeping, no kernel socket yet.
void BM_TcpOpenClose(benchmark::State& state) {
  auto stack = desktop_stack();
  for (auto _ : state) open_socket(stack, MP_SOCK_STREAM)->close();
}
BENCHMARK(BM_TcpOpenClose);

// socket(), connect() to a kernel listener, close(); the listener accepts and closes.
void BM_TcpConnectClose(benchmark::State& state) {
  auto stack = desktop_stack();
  KernelFd listener = kernel_listener();
  const Endpoint to = loopback_endpoint(port_of(listener.get()));
  for (auto _ : state) {
    std::shared_ptr<Socket> socket = open_socket(stack, MP_SOCK_STREAM);
    if (!socket->connect(to)) die("connect");
    KernelFd accepted = kernel_accept(listener.get());
    socket->close();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TcpConnectClose);

void BM_KernelConnectClose(benchmark::State& state) {
  KernelFd listener = kernel_listener();
  const uint16_t port = port_of(listener.get());
  for (auto _ : state) {
    KernelFd client = kernel_connect(port);
    KernelFd accepted = kernel_accept(listener.get());
    client.reset();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KernelConnectClose);

}  // namespace
}  // namespace mpsock::bench
