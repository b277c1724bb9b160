// The socket module (modlwip's Python surface).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "mpsock/socket.h"
#include "runtime.h"

namespace mpsock::py {

// The Python socket object: the core socket plus what only Python has (the event callback).
struct PySocket {
  std::shared_ptr<Socket> socket;
  std::shared_ptr<SocketCallback> callback;
  PySocket() = default;
  explicit PySocket(std::shared_ptr<Socket> s) : socket(std::move(s)) {}
  virtual ~PySocket();
};

// The desktop profile's socket: the firmware's methods plus CPython conveniences.
struct PyDesktopSocket : PySocket {
  using PySocket::PySocket;
};

// Fills `m` with the socket module: constants, getaddrinfo and the socket class. With
// `desktop`, the class also has getsockname, getpeername, gettimeout and the context manager.
void define_socket_module(pybind11::module_& m, bool desktop);

}  // namespace mpsock::py
