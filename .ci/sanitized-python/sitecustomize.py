"""Loads the sanitizer build of mpsock staged in $MPSOCK_STAGED_PACKAGES (a folder holding an
`mpsock` package with its sanitized `_mpsock`), ahead of the installed mpsock.

PYTHONPATH alone is not enough: an editable install puts an import hook in front of
sys.path, so this finder goes in front of that hook. Only `mpsock` and its submodules are
redirected; everything else imports as usual.
"""

import importlib.machinery
import os
import sys


class StagedMpsockFinder:
    def __init__(self, root):
        self.root = root

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "mpsock":
            return importlib.machinery.PathFinder.find_spec(fullname, [self.root])
        if fullname.startswith("mpsock."):
            return importlib.machinery.PathFinder.find_spec(fullname, path)
        return None


_root = os.environ.get("MPSOCK_STAGED_PACKAGES")
if _root:
    sys.meta_path.insert(0, StagedMpsockFinder(os.path.abspath(_root)))
