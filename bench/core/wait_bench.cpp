// Waiting and waking: what a blocked call pays to run the loop (Stack::pump), to be woken by
// another thread (Stack::wait / notify_changed, an eventfd and poll(2)), and to be woken by the
// network (an echo served by a thread blocked in recv). Condition variables and kernel sockets
// are the reference.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <thread>

#include "loopback.h"

namespace mpsock::bench {
namespace {

// Idle connected sockets on a stack, so its loop has descriptors to look at.
struct IdleConnections {
  KernelFd listener = kernel_listener();
  std::vector<std::shared_ptr<Socket>> emulated;
  std::vector<KernelFd> kernel;

  IdleConnections(const std::shared_ptr<Stack>& stack, int count) {
    for (int i = 0; i < count; ++i) {
      emulated.push_back(connect_to(stack, port_of(listener.get())));
      kernel.push_back(kernel_accept(listener.get()));
    }
  }
};

// One turn of the loop with nothing ready: the fixed cost in front of every wait and poll.
void BM_StackPump(benchmark::State& state) {
  auto stack = desktop_stack();
  IdleConnections idle(stack, static_cast<int>(state.range(0)));
  for (auto _ : state) pump(*stack);
}
BENCHMARK(BM_StackPump)->Arg(0)->Arg(1)->Arg(1000);

// Two threads hand a turn back and forth through Stack::wait and notify_changed.
void BM_StackWaitWakePingPong(benchmark::State& state) {
  auto stack = desktop_stack();
  IdleConnections idle(stack, static_cast<int>(state.range(0)));
  int turn = 0;  // 1: the helper's turn; guarded by the stack's mutex
  bool stop = false;
  std::thread helper([&] {
    std::unique_lock<std::mutex> lock(stack->mutex());
    for (;;) {
      stack->wait(lock, Deadline::never(), [&] { return turn == 1 || stop; });
      if (stop) return;
      turn = 0;
      stack->notify_changed();
    }
  });
  for (auto _ : state) {
    std::unique_lock<std::mutex> lock(stack->mutex());
    turn = 1;
    stack->notify_changed();
    stack->wait(lock, Deadline::never(), [&] { return turn == 0; });
  }
  {
    std::lock_guard<std::mutex> guard(stack->mutex());
    stop = true;
    stack->notify_changed();
  }
  helper.join();
}
BENCHMARK(BM_StackWaitWakePingPong)->Arg(0)->Arg(1)->UseRealTime();

void BM_CondvarPingPong(benchmark::State& state) {
  std::mutex mutex;
  std::condition_variable changed;
  int turn = 0;
  bool stop = false;
  std::thread helper([&] {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return turn == 1 || stop; });
      if (stop) return;
      turn = 0;
      changed.notify_all();
    }
  });
  for (auto _ : state) {
    std::unique_lock<std::mutex> lock(mutex);
    turn = 1;
    changed.notify_all();
    changed.wait(lock, [&] { return turn == 0; });
  }
  {
    std::lock_guard<std::mutex> guard(mutex);
    stop = true;
  }
  changed.notify_all();
  helper.join();
}
BENCHMARK(BM_CondvarPingPong)->UseRealTime();

// A thread blocked in the emulated recv() echoes 32 bytes written by the kernel side: wake by
// the network, receive, send, as in a round trip without Python.
void BM_TcpEchoThread(benchmark::State& state) {
  TcpPair pair;
  std::thread echo([&] {
    uint8_t buf[64];
    for (;;) {
      Result<size_t> got = pair.emulated->recv(buf, sizeof(buf), 0);
      if (!got || *got == 0) return;
      if (!pair.emulated->send(buf, *got)) return;
    }
  });
  uint8_t message[32] = {};
  uint8_t back[32];
  for (auto _ : state) {
    write_all(pair.kernel.get(), message, sizeof(message));
    read_exact(pair.kernel.get(), back, sizeof(back));
  }
  ::shutdown(pair.kernel.get(), SHUT_WR);  // the echo thread sees EOF
  echo.join();
}
BENCHMARK(BM_TcpEchoThread)->UseRealTime();

void BM_KernelEchoThread(benchmark::State& state) {
  KernelFd listener = kernel_listener();
  KernelFd client = kernel_connect(port_of(listener.get()));
  KernelFd server = kernel_accept(listener.get());
  std::thread echo([&] {
    char buf[64];
    for (;;) {
      const ssize_t n = ::recv(client.get(), buf, sizeof(buf), 0);
      if (n <= 0) return;
      write_all(client.get(), buf, static_cast<size_t>(n));
    }
  });
  uint8_t message[32] = {};
  uint8_t back[32];
  for (auto _ : state) {
    write_all(server.get(), message, sizeof(message));
    read_exact(server.get(), back, sizeof(back));
  }
  ::shutdown(server.get(), SHUT_WR);
  echo.join();
}
BENCHMARK(BM_KernelEchoThread)->UseRealTime();

}  // namespace
}  // namespace mpsock::bench
