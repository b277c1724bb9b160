// The buffer protocol for the image module's Image (bindings/mpsock/modimage.py), which
// CPython classes written in Python cannot offer before 3.12: memoryview(img), bytes(img) and
// sock.send(img) read the image's bytes as they do on the camera.
#pragma once

#include <pybind11/pybind11.h>

namespace mpsock::py {

void define_image_buffer(pybind11::module_& m);

}  // namespace mpsock::py
