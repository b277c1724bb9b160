#include "image_buffer.h"

#include <memory>

namespace pyb = pybind11;

namespace mpsock::py {

namespace {

// Holds nothing: the Python subclass keeps the pixels and hands them over from `_export()`
// as a bytearray. The view taken here is on that bytearray, so the bytearray counts the export
// (and refuses a resize while a memoryview lives) and the view is released with the buffer.
struct ImageBuffer {};

}  // namespace

void define_image_buffer(pyb::module_& m) {
  pyb::class_<ImageBuffer>(m, "ImageBuffer", pyb::buffer_protocol(),
                           "Base of image.Image: its bytes through the buffer protocol.")
      .def(pyb::init<>())
      .def_buffer([](ImageBuffer& self) -> pyb::buffer_info {
        pyb::object image = pyb::cast(&self, pyb::return_value_policy::reference);
        pyb::object data = image.attr("_export")();
        auto view = std::make_unique<Py_buffer>();
        if (PyObject_GetBuffer(data.ptr(), view.get(), PyBUF_FULL_RO) != 0)
          throw pyb::error_already_set();
        return pyb::buffer_info(view.release(), true);
      });
}

}  // namespace mpsock::py
