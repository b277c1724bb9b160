"""Runs `mpsock-micropython` with another build of the compiled extension, so a proposed
change to the core can be measured without installing it (the installed mpsock is shared).

    python3 bench/with_extension.py PATH/_mpsock.cpython-*.so FILE [ARGS...]
"""

import importlib.util
import sys


def load_extension(path):
    spec = importlib.util.spec_from_file_location("mpsock._mpsock", path)
    module = importlib.util.module_from_spec(spec)
    # In place before the package imports it, so `from . import _mpsock` takes this one.
    sys.modules["mpsock._mpsock"] = module
    spec.loader.exec_module(module)


def main():
    load_extension(sys.argv[1])
    import mpsock.micropython

    sys.argv = ["mpsock-micropython"] + sys.argv[2:]
    mpsock.micropython.main()


if __name__ == "__main__":
    main()
