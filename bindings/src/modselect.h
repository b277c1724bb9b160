// The select module (modselect's Python surface).
#pragma once

#include <pybind11/pybind11.h>

namespace mpsock::py {

void define_select_module(pybind11::module_& m);

}  // namespace mpsock::py
