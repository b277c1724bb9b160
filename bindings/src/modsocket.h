// The socket module (modlwip's Python surface).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

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

// The module's names that `profile` (its board and firmware release) does not have: the
// socket module a script imports is the full table without them.
std::vector<std::string> socket_names_absent(const Profile& profile);

}  // namespace mpsock::py
