"""mpsock: the OpenMV Cam's MicroPython socket module, emulated on the desktop.

The module objects a camera script sees are here as attributes: `mpsock.socket`,
`mpsock.select`, `mpsock.errno`, `mpsock.time` and `mpsock.micropython`. `mpsock run SCRIPT`
runs a script with them installed for that script only.
"""

from . import _mpsock
from ._mpsock import (  # noqa: F401 - the Python-level controls of the emulated stack
    add_host,
    clear_hosts,
    current_profile,
    expose_wildcard,
    fail_host,
    pcbs_in_use,
    profiles,
    remove_host,
    use_profile,
    use_system_resolver,
)

__version__ = "0.1.0"

_module_cache = {}


def __getattr__(name):
    # Built on first use, so the profile chosen before then decides the socket surface.
    if name in ("socket", "select", "errno", "time", "micropython", "network"):
        from .modules import script_modules

        profile = _mpsock.current_profile()
        surface = (profile["strict_surface"], profile["micropython"], profile["timeout_options"])
        if surface not in _module_cache:
            _module_cache[surface] = script_modules()
        modules = _module_cache[surface]
        if name in modules:
            return modules[name]
    raise AttributeError("module 'mpsock' has no attribute %r" % name)
