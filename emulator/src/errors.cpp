#include "mpsock/errors.h"

namespace mpsock {

const char* errno_name(int code) {
  switch (code) {
    case MP_EPERM: return "EPERM";
    case MP_ENOENT: return "ENOENT";
    case MP_EINTR: return "EINTR";
    case MP_EIO: return "EIO";
    case MP_EBADF: return "EBADF";
    case MP_EAGAIN: return "EAGAIN";
    case MP_ENOMEM: return "ENOMEM";
    case MP_EACCES: return "EACCES";
    case MP_EEXIST: return "EEXIST";
    case MP_ENODEV: return "ENODEV";
    case MP_EISDIR: return "EISDIR";
    case MP_EINVAL: return "EINVAL";
    case MP_EOPNOTSUPP: return "EOPNOTSUPP";
    case MP_EADDRINUSE: return "EADDRINUSE";
    case MP_ECONNABORTED: return "ECONNABORTED";
    case MP_ECONNRESET: return "ECONNRESET";
    case MP_ENOBUFS: return "ENOBUFS";
    case MP_EISCONN: return "EISCONN";
    case MP_ENOTCONN: return "ENOTCONN";
    case MP_ETIMEDOUT: return "ETIMEDOUT";
    case MP_ECONNREFUSED: return "ECONNREFUSED";
    case MP_EHOSTUNREACH: return "EHOSTUNREACH";
    case MP_EALREADY: return "EALREADY";
    case MP_EINPROGRESS: return "EINPROGRESS";
    default: return nullptr;
  }
}

}  // namespace mpsock
