"""Scoped imports: a script, and the modules it imports from its own folders, see the
emulator's socket/select/errno/time; everything else in the process (the standard library,
mpsock itself) keeps CPython's."""

import builtins
import importlib.abc
import importlib.machinery
import os
import sys

from .modules import CAMERA_ONLY, camera_only_message

_real_import = builtins.__import__


class ScriptImports:
    """The import rules for one script run."""

    def __init__(self, modules, user_dirs):
        self.modules = dict(modules)
        self.user_dirs = [os.path.abspath(d) for d in user_dirs]
        self.builtins = dict(builtins.__dict__)
        self.builtins["__import__"] = self._import
        self._finder = _UserModuleFinder(self)

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

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            emulated = self.modules.get(name)
            if emulated is not None:
                return emulated
            top = name.partition(".")[0]
            if top in CAMERA_ONLY and top not in self.modules and self._finder.find_user_spec(top, None) is None:
                error = ModuleNotFoundError(camera_only_message(top), name=top)
                raise error
        return _real_import(name, globals, locals, fromlist, level)


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
        if fullname in self.imports.modules:
            return None
        if path is not None and not any(self.imports.is_user_file(p) for p in path):
            return None
        spec = self.find_user_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _ScopedLoader(spec.loader, self.imports.builtins)
        return spec


class _ScopedLoader(importlib.abc.Loader):
    def __init__(self, inner, script_builtins):
        self.inner = inner
        self.script_builtins = script_builtins

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        module.__dict__["__builtins__"] = self.script_builtins
        self.inner.exec_module(module)

    def __getattr__(self, name):
        return getattr(self.inner, name)
