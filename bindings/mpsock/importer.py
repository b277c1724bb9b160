"""Scoped imports: a script, and the modules it imports from its own folders, see the board's
modules (modules.py) and MicroPython's dialect (dialect.py); everything else in the process (the
standard library, mpsock itself) keeps CPython's."""

import builtins
import importlib.abc
import importlib.machinery
import os
import sys

from . import dialect, modbuiltins
from .modules import ALWAYS

_real_import = builtins.__import__


class ScriptImports:
    """The import rules for one script run."""

    def __init__(self, modules, user_dirs):
        self.modules = modules  # a modules.BoardModules
        self.user_dirs = [os.path.abspath(d) for d in user_dirs]
        self.builtins = modbuiltins.board_builtins()
        self.builtins["__import__"] = self._import
        self._finder = _UserModuleFinder(self)
        self._user_tops = {}
        self._host_fallback = bool(getattr(modules, "profile", {}).get("host_modules"))

    def __enter__(self):
        sys.meta_path.insert(0, self._finder)
        return self

    def __exit__(self, *exc):
        try:
            sys.meta_path.remove(self._finder)
        except ValueError:
            pass
        return False

    def is_user_file(self, path):
        if not path:
            return False
        path = os.path.abspath(path)
        return any(path == d or path.startswith(d + os.sep) for d in self.user_dirs)

    def _is_user_module(self, top):
        known = self._user_tops.get(top)
        if known is None:
            known = self._finder.find_user_spec(top, None) is not None
            self._user_tops[top] = known
        return known

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0:
            return _real_import(name, globals, locals, fromlist, level)
        modules = self.modules
        top = name.partition(".")[0]
        if top == name and modules.is_builtin(name):
            # The firmware's built-in modules come first, as on the board.
            module = modules.get(name)
            if module is not None:
                return _checked_fromlist(module, fromlist)
        if top in ALWAYS or self._is_user_module(top):
            return _real_import(name, globals, locals, fromlist, level)
        if top == name:
            module = modules.get(name)
            if module is not None:
                return _checked_fromlist(module, fromlist)
        if self._host_fallback and modules.canonical(top) is None:
            return _real_import(name, globals, locals, fromlist, level)
        raise modules.import_error(name)


def _checked_fromlist(module, fromlist):
    """`from machine import Pin` where mpsock has no Pin: the module's own message, not
    Python's bare "cannot import name"."""
    for name in fromlist or ():
        if name != "*":
            try:
                getattr(module, name)
            except AttributeError as error:
                if str(error).startswith("mpsock:"):
                    raise ImportError(str(error), name=module.__name__) from None
    return module


class _UserModuleFinder(importlib.abc.MetaPathFinder):
    """Finds modules in the script's folders and runs them with the script's import rules."""

    def __init__(self, imports):
        self.imports = imports

    def find_user_spec(self, fullname, path):
        search = path if path is not None else self.imports.user_dirs
        spec = importlib.machinery.PathFinder.find_spec(fullname, search)
        if spec is None:
            return None
        origin = spec.origin if spec.origin not in (None, "namespace") else None
        locations = list(spec.submodule_search_locations or [])
        if not (self.imports.is_user_file(origin) or any(self.imports.is_user_file(p) for p in locations)):
            return None
        return spec

    def find_spec(self, fullname, path, target=None):
        if path is None and self.imports.modules.is_builtin(fullname):
            return None
        if fullname.partition(".")[0] in ALWAYS:
            # mpsock's own package is never the script's, even when it lies in the script's
            # folder (an editable install, a staged build run from the repository).
            return None
        if path is not None and not any(self.imports.is_user_file(p) for p in path):
            return None
        spec = self.find_user_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _ScopedLoader(spec.loader, self.imports.builtins)
        return spec


class _ScopedLoader(importlib.abc.Loader):
    """Runs a user module with the script's builtins, compiled in MicroPython's dialect (a
    compiled .mpy or extension module is left to its own loader)."""

    def __init__(self, inner, script_builtins):
        self.inner = inner
        self.script_builtins = script_builtins

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        module.__dict__["__builtins__"] = self.script_builtins
        get_source = getattr(self.inner, "get_data", None)
        filename = getattr(self.inner, "path", None)
        if get_source is None or not filename or not filename.endswith(".py"):
            self.inner.exec_module(module)
            return
        code = dialect.compile_user(self.inner.get_data(filename), filename)
        exec(code, module.__dict__)

    def __getattr__(self, name):
        return getattr(self.inner, name)
