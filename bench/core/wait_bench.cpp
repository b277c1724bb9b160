// Waiting and waking: what a blocked call pays to run the loop (Stack::pump), to be woken by
// another thread (Stack::wait / notify_changed, an eventfd and poll(2)), and to be woken by the
// network (an echo served by a thread blocked in recv). Condition variables and kernel sockets
// are the reference.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <cerrno>
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

// A kernel connection whose far end a thread blocked in recv echoes; `near` is the side measured.
struct KernelEcho {
  KernelFd listener = kernel_listener();
  KernelFd far = kernel_connect(port_of(listener.get()));
  KernelFd near = kernel_accept(listener.get());
  std::thread echo{[this] {
    char buf[64];
    for (;;) {
      const ssize_t n = ::recv(far.get(), buf, sizeof(buf), 0);
      if (n <= 0) return;
      write_all(far.get(), buf, static_cast<size_t>(n));
    }
  }};

  ~KernelEcho() {
    ::shutdown(near.get(), SHUT_WR);  // the echo thread sees EOF
    echo.join();
  }
};

void BM_KernelEchoThread(benchmark::State& state) {
  KernelEcho pair;
  uint8_t message[32] = {};
  uint8_t back[32];
  for (auto _ : state) {
    write_all(pair.near.get(), message, sizeof(message));
    read_exact(pair.near.get(), back, sizeof(back));
  }
}
BENCHMARK(BM_KernelEchoThread)->UseRealTime();

// BM_KernelEchoThread with the measuring side's socket waited on as the emulator waits on one
// (TcpSocket::receive_alone): non-blocking and in an epoll set (the loop's, which nobody polls
// here), a read, and while the echo is not back a poll(2) of the first N of the socket, an
// eventfd and a pipe (N = 3 is the emulator's: the thread's wake-up and the signal descriptor
// beside the socket), then the read again. Against BM_KernelEchoThread: what the shape of the wait
// costs in the kernel, with none of the emulator's code. Run on one CPU (taskset -c 0) as
// bench/run.py does.
void BM_KernelEchoThreadWaitingAsTheEmulator(benchmark::State& state) {
  KernelEcho pair;
  const int fd = pair.near.get();
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) die("fcntl");
  KernelFd loop(epoll_create1(EPOLL_CLOEXEC));
  epoll_event registered{};
  registered.events = EPOLLIN;
  registered.data.fd = fd;
  if (epoll_ctl(loop.get(), EPOLL_CTL_ADD, fd, &registered) != 0) die("epoll_ctl");
  KernelFd wakeup(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) die("pipe2");
  KernelFd signal_read(pipe_fds[0]);
  KernelFd signal_write(pipe_fds[1]);  // kept open: a pipe with no writer polls as hung up
  pollfd fds[3] = {{fd, POLLIN, 0}, {wakeup.get(), POLLIN, 0}, {signal_read.get(), POLLIN, 0}};
  const auto count = static_cast<nfds_t>(state.range(0));
  uint8_t message[32] = {};
  uint8_t back[32];
  for (auto _ : state) {
    write_all(fd, message, sizeof(message));
    size_t got = 0;
    while (got < sizeof(back)) {
      const ssize_t n = ::recv(fd, back + got, sizeof(back) - got, MSG_DONTWAIT);
      if (n > 0) {
        got += static_cast<size_t>(n);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        die("recv");
      } else if (::ppoll(fds, count, nullptr, nullptr) < 0 && errno != EINTR) {
        die("ppoll");
      }
    }
  }
}
BENCHMARK(BM_KernelEchoThreadWaitingAsTheEmulator)->Arg(1)->Arg(2)->Arg(3)->UseRealTime();

}  // namespace
}  // namespace mpsock::bench
