// Sockets a script dropped without close(). On the camera such a socket stays open, holding
// its PCB, until the garbage collector finds it and runs its finaliser (modlwip's __del__):
// so a script that leaks connections runs out of PCBs (socket() raises ENOMEM) unless
// gc.collect() runs. CPython frees the object at once; here the core socket is kept open in
// this list until collect_dropped() (the script's gc.collect()) or the end of the run.
#pragma once

#include <cstddef>
#include <memory>

#include "mpsock/socket.h"

namespace mpsock::py {

// Whether a dropped socket closes at once (CPython's way, the default for the library) or is
// kept until collected (the camera's way, what script runs use).
void set_close_dropped_at_once(bool at_once);
bool close_dropped_at_once();

// Takes a socket whose Python object is being freed; false if it should close now instead.
bool keep_dropped(std::shared_ptr<Socket>& socket);

// Closes every kept socket, as a garbage collection on the camera does; how many it closed.
// Call without the GIL (closing may wait for the stack).
size_t collect_dropped();

// How many are kept now, and how many were ever kept (for the script's hints).
size_t dropped_now();
size_t dropped_ever();

}  // namespace mpsock::py
