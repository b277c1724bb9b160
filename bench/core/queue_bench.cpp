// The receive and send queues of a TCP socket and the datagram queue of a UDP socket: what a
// recv() costs when data is queued, when it has to come through the loop, and what a send()
// costs when the kernel takes it at once; each beside the same operation on kernel sockets.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "loopback.h"

namespace mpsock::bench {
namespace {

constexpr size_t kFeedBytes = 1 << 20;
constexpr size_t kBulkPiece = 64 * 1024;  // the desktop profile's segment

// Puts `bytes` into the emulated socket's receive queue: the kernel side writes, this thread
// runs the loop, until all of it has been read from the kernel.
void feed(TcpPair& pair, size_t bytes) {
  static char block[64 * 1024];
  size_t left = bytes;
  while (left > 0) {
    const ssize_t n = ::send(pair.kernel.get(), block, std::min(left, sizeof(block)),
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) left -= static_cast<size_t>(n);
    pump(*pair.stack);
  }
  pump(*pair.stack);
}

// Consume only: recv() of `len` bytes while the queue holds data (no loop, no system call).
void BM_TcpRecvFromQueue(benchmark::State& state) {
  TcpPair pair;
  const size_t len = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> buf(len);
  int64_t pieces = 0;
  for (auto _ : state) {
    feed(pair, kFeedBytes);
    const auto start = std::chrono::steady_clock::now();
    size_t consumed = 0;
    while (consumed < kFeedBytes) {
      Result<size_t> got = pair.emulated->recv(buf.data(), std::min(len, kFeedBytes - consumed), 0);
      if (!got) die("recv");
      consumed += *got;
      ++pieces;
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  state.SetItemsProcessed(pieces);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kFeedBytes));
}
BENCHMARK(BM_TcpRecvFromQueue)->Arg(32)->Arg(1460)->Arg(64 * 1024)->UseManualTime();

// Append and consume: the kernel side writes `len` bytes, recv() waits, the loop reads them into
// the queue, recv() copies them out.
void BM_TcpRecvThroughLoop(benchmark::State& state) {
  TcpPair pair;
  const size_t len = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> out(len, 'x');
  std::vector<uint8_t> in(len);
  for (auto _ : state) {
    write_all(pair.kernel.get(), out.data(), len);
    size_t got = 0;
    while (got < len) {
      Result<size_t> n = pair.emulated->recv(in.data() + got, len - got, 0);
      if (!n || *n == 0) die("recv");
      got += *n;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_TcpRecvThroughLoop)->Arg(32)->Arg(1460);

void BM_KernelRecv(benchmark::State& state) {
  KernelFd listener = kernel_listener();
  KernelFd client = kernel_connect(port_of(listener.get()));
  KernelFd server = kernel_accept(listener.get());
  const size_t len = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> out(len, 'x');
  std::vector<uint8_t> in(len);
  for (auto _ : state) {
    write_all(server.get(), out.data(), len);
    read_exact(client.get(), in.data(), len);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_KernelRecv)->Arg(32)->Arg(1460);

// send() with an empty send queue: send(2) hands the bytes to the kernel (TcpSocket::try_write_host),
// nothing is copied.
void BM_TcpSendTryWrite(benchmark::State& state) {
  TcpPair pair;
  const size_t len = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> out(len, 'x');
  std::vector<uint8_t> in(len);
  for (auto _ : state) {
    Result<size_t> sent = pair.emulated->send(out.data(), len);
    if (!sent || *sent != len) die("send");
    read_exact(pair.kernel.get(), in.data(), len);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_TcpSendTryWrite)->Arg(32)->Arg(1460);

void BM_KernelSend(benchmark::State& state) {
  KernelFd listener = kernel_listener();
  KernelFd client = kernel_connect(port_of(listener.get()));
  KernelFd server = kernel_accept(listener.get());
  const size_t len = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> out(len, 'x');
  std::vector<uint8_t> in(len);
  for (auto _ : state) {
    write_all(client.get(), out.data(), len);
    read_exact(server.get(), in.data(), len);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_KernelSend)->Arg(32)->Arg(1460);

// A kernel reader that takes everything as fast as it can, until EOF.
std::thread drain(int fd) {
  return std::thread([fd] {
    std::vector<char> buf(1 << 20);
    while (::recv(fd, buf.data(), buf.size(), 0) > 0) {
    }
  });
}

// Bulk send: 64 KiB sendall()s; what the kernel does not take at once is copied and written by
// the network thread.
void BM_TcpBulkSend(benchmark::State& state) {
  TcpPair pair;
  std::thread reader = drain(pair.kernel.get());
  std::vector<uint8_t> piece(kBulkPiece, 'x');
  for (auto _ : state) {
    if (!pair.emulated->sendall(piece.data(), piece.size())) die("sendall");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBulkPiece));
  pair.emulated->close();  // finishes sending, then the reader sees EOF
  reader.join();
}
BENCHMARK(BM_TcpBulkSend)->UseRealTime();

void BM_KernelBulkSend(benchmark::State& state) {
  KernelFd listener = kernel_listener();
  KernelFd client = kernel_connect(port_of(listener.get()));
  KernelFd server = kernel_accept(listener.get());
  std::thread reader = drain(server.get());
  std::vector<uint8_t> piece(kBulkPiece, 'x');
  for (auto _ : state) write_all(client.get(), piece.data(), piece.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBulkPiece));
  ::shutdown(client.get(), SHUT_WR);
  reader.join();
}
BENCHMARK(BM_KernelBulkSend)->UseRealTime();

// A kernel writer that sends as fast as it can until the other end goes away.
std::thread flood(int fd) {
  return std::thread([fd] {
    std::vector<char> buf(1 << 20, 'y');
    while (::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL) > 0) {
    }
  });
}

// Bulk receive: 64 KiB recv()s from a peer that writes as fast as it can.
void BM_TcpBulkRecv(benchmark::State& state) {
  TcpPair pair;
  std::thread writer = flood(pair.kernel.get());
  std::vector<uint8_t> buf(kBulkPiece);
  int64_t bytes = 0;
  for (auto _ : state) {
    Result<size_t> got = pair.emulated->recv(buf.data(), buf.size(), 0);
    if (!got || *got == 0) die("recv");
    bytes += static_cast<int64_t>(*got);
  }
  state.SetBytesProcessed(bytes);
  ::shutdown(pair.kernel.get(), SHUT_RDWR);
  pair.emulated->close();
  writer.join();
}
BENCHMARK(BM_TcpBulkRecv)->UseRealTime();

void BM_KernelBulkRecv(benchmark::State& state) {
  KernelFd listener = kernel_listener();
  KernelFd client = kernel_connect(port_of(listener.get()));
  KernelFd server = kernel_accept(listener.get());
  std::thread writer = flood(server.get());
  std::vector<uint8_t> buf(kBulkPiece);
  int64_t bytes = 0;
  for (auto _ : state) {
    const ssize_t got = ::recv(client.get(), buf.data(), buf.size(), 0);
    if (got <= 0) die("recv");
    bytes += got;
  }
  state.SetBytesProcessed(bytes);
  ::shutdown(server.get(), SHUT_RDWR);
  client.reset();
  writer.join();
}
BENCHMARK(BM_KernelBulkRecv)->UseRealTime();

// UDP: the emulated socket sends a datagram to a kernel socket, which sends it back; both in
// this thread, so the figure is the two sockets' costs without a thread switch. The argument is
// how many other bound UDP sockets the stack holds, idle (a script's second socket: a server's
// listener, a DNS or NTP client's): the loop then serves more than the one socket.
void BM_UdpSendRecv(benchmark::State& state) {
  auto stack = desktop_stack();
  KernelFd kernel(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback_address(0);
  ::bind(kernel.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
  std::vector<std::shared_ptr<Socket>> idle;
  for (int i = 0; i < state.range(0); ++i) {
    idle.push_back(open_socket(stack, MP_SOCK_DGRAM));
    if (!idle.back()->bind(loopback_endpoint(0))) die("bind");
  }
  std::shared_ptr<Socket> emulated = open_socket(stack, MP_SOCK_DGRAM);
  const Endpoint to = loopback_endpoint(port_of(kernel.get()));
  uint8_t message[32] = {};
  uint8_t buf[64];
  for (auto _ : state) {
    if (!emulated->sendto(message, sizeof(message), to)) die("sendto");
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(kernel.get(), buf, sizeof(buf), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    ::sendto(kernel.get(), buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from),
             from_len);
    Endpoint sender;
    if (!emulated->recvfrom(buf, sizeof(buf), 0, &sender)) die("recvfrom");
  }
}
BENCHMARK(BM_UdpSendRecv)->Arg(0)->Arg(1);

void BM_KernelUdpSendRecv(benchmark::State& state) {
  KernelFd a(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  KernelFd b(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback_address(0);
  ::bind(b.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address));
  const sockaddr_in to = loopback_address(port_of(b.get()));
  uint8_t message[32] = {};
  uint8_t buf[64];
  for (auto _ : state) {
    ::sendto(a.get(), message, sizeof(message), 0, reinterpret_cast<const sockaddr*>(&to),
             sizeof(to));
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n =
        ::recvfrom(b.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    ::sendto(b.get(), buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    sockaddr_storage back{};
    socklen_t back_len = sizeof(back);
    ::recvfrom(a.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&back), &back_len);
  }
}
BENCHMARK(BM_KernelUdpSendRecv);

}  // namespace
}  // namespace mpsock::bench
