// The emulator's public interface in one include.
#pragma once

#include "mpsock/address.h"
#include "mpsock/deadline.h"
#include "mpsock/errors.h"
#include "mpsock/firmware.h"
#include "mpsock/poller.h"
#include "mpsock/profile.h"
#include "mpsock/resolver.h"
#include "mpsock/socket.h"
#include "mpsock/stack.h"
