// select.poll's scan: Poller::poll over many idle sockets and one with data queued, beside
// poll(2) over as many kernel sockets.
#include <benchmark/benchmark.h>

#include "loopback.h"

namespace mpsock::bench {
namespace {

void BM_PollerPollReady(benchmark::State& state) {
  const int idle_count = static_cast<int>(state.range(0));
  auto stack = desktop_stack();
  KernelFd listener = kernel_listener();
  std::vector<std::shared_ptr<Socket>> emulated;
  std::vector<KernelFd> kernel;
  for (int i = 0; i <= idle_count; ++i) {
    emulated.push_back(connect_to(stack, port_of(listener.get())));
    kernel.push_back(kernel_accept(listener.get()));
  }
  // The last one has a byte queued that nobody reads: it is ready at every poll.
  write_all(kernel.back().get(), "x", 1);
  Poller poller(stack);
  for (size_t i = 0; i < emulated.size(); ++i) poller.add_socket(i, emulated[i], MP_POLLIN);
  for (auto _ : state) {
    Result<std::vector<Poller::Ready>> ready = poller.poll(-1, false);
    if (!ready || ready->size() != 1) die("poll");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PollerPollReady)->Arg(0)->Arg(100)->Arg(1000);

void BM_KernelPollReady(benchmark::State& state) {
  const int idle_count = static_cast<int>(state.range(0));
  KernelFd listener = kernel_listener();
  std::vector<KernelFd> client;
  std::vector<KernelFd> server;
  for (int i = 0; i <= idle_count; ++i) {
    client.push_back(kernel_connect(port_of(listener.get())));
    server.push_back(kernel_accept(listener.get()));
  }
  write_all(server.back().get(), "x", 1);
  std::vector<pollfd> fds;
  for (const KernelFd& fd : client) fds.push_back(pollfd{fd.get(), POLLIN, 0});
  for (auto _ : state) {
    if (::poll(fds.data(), fds.size(), -1) != 1) die("poll");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KernelPollReady)->Arg(0)->Arg(100)->Arg(1000);

}  // namespace
}  // namespace mpsock::bench
