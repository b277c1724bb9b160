// The select module (modselect's Python surface).
#pragma once

#include <pybind11/pybind11.h>

namespace mpsock::py {

void define_select_module(pybind11::module_& m);

// What `object` (an emulated socket, a Python-level stream with an ioctl, or an object with a
// fileno) is ready for among `events`, with ERR, HUP and NVAL always: one object of a poll,
// asked once. The emulator's own streams (a TLS socket) ask the stream under them with it.
int stream_poll(pybind11::handle object, int events);

}  // namespace mpsock::py
