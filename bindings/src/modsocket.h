// The socket module (modlwip's Python surface).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "mpsock/socket.h"
#include "runtime.h"

namespace mpsock::py {

// What a socket keeps of the addresses of its last datagrams, so that a client talking to one
// peer does not convert them on every call.
struct AddressMemo {
  // sendto's last destination: its host object (held, so the pointer stays its own), port and
  // what they parsed to.
  pybind11::object sent_to_host;
  int64_t sent_to_port = -1;
  Endpoint sent_to;
  // recvfrom's last sender and the (host, port) tuple made for it. Tuples and their items are
  // immutable, so every datagram from that sender can return the same one.
  Endpoint heard_from;
  pybind11::object heard_from_tuple;
};

// The Python socket object: the core socket plus what only Python has (the event callback,
// the address memo).
struct PySocket {
  std::shared_ptr<Socket> socket;
  std::shared_ptr<SocketCallback> callback;
  // Made at the first sendto or recvfrom, so a TCP connection's object stays as small.
  std::unique_ptr<AddressMemo> addresses;
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
