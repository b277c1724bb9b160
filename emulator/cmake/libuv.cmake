# Finds libuv and defines the target `mpsock::libuv`.
#
# Order: pkg-config (Debian's libuv1-dev), then libuv's own CMake package, then (only when
# MPSOCK_FETCH_LIBUV is ON) a pinned release downloaded with FetchContent. Without any of them
# the configure step stops and says what to install.

set(MPSOCK_LIBUV_PINNED_TAG "v1.44.2")

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(MPSOCK_UV QUIET IMPORTED_TARGET libuv>=1.40)
endif()

if(MPSOCK_UV_FOUND)
  add_library(mpsock::libuv ALIAS PkgConfig::MPSOCK_UV)
  message(STATUS "mpsock: libuv ${MPSOCK_UV_VERSION} from pkg-config")
  return()
endif()

find_package(libuv CONFIG QUIET)
if(TARGET uv_a OR TARGET libuv::uv_a OR TARGET uv OR TARGET libuv::uv)
  foreach(candidate libuv::uv_a uv_a libuv::uv uv)
    if(TARGET ${candidate})
      add_library(mpsock::libuv INTERFACE IMPORTED)
      target_link_libraries(mpsock::libuv INTERFACE ${candidate})
      message(STATUS "mpsock: libuv from its CMake package (${candidate})")
      return()
    endif()
  endforeach()
endif()

if(MPSOCK_FETCH_LIBUV)
  include(FetchContent)
  message(STATUS "mpsock: fetching libuv ${MPSOCK_LIBUV_PINNED_TAG}")
  FetchContent_Declare(libuv
    GIT_REPOSITORY https://github.com/libuv/libuv.git
    GIT_TAG ${MPSOCK_LIBUV_PINNED_TAG}
    GIT_SHALLOW TRUE)
  set(LIBUV_BUILD_TESTS OFF CACHE BOOL "" FORCE)
  set(LIBUV_BUILD_BENCH OFF CACHE BOOL "" FORCE)
  FetchContent_MakeAvailable(libuv)
  add_library(mpsock::libuv ALIAS uv_a)
  return()
endif()

message(FATAL_ERROR
  "mpsock needs libuv (1.40 or newer) and could not find it.\n"
  "  Debian/Ubuntu: apt-get install libuv1-dev\n"
  "  Fedora:        dnf install libuv-devel\n"
  "  macOS:         brew install libuv\n"
  "Or configure with -DMPSOCK_FETCH_LIBUV=ON to download and build libuv ${MPSOCK_LIBUV_PINNED_TAG}.")
