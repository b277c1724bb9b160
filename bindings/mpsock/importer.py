"""Scoped imports: a script, and the modules it imports from its own folders, see the board's
modules (modules.py) and MicroPython's dialect (dialect.py); everything else in the process (the
standard library, mpsock itself) keeps CPython's. On the virtual camera a script's own modules
are found as the board finds them: along the board's sys.path, through its filesystems
(modvfs.py), never in the host's folders."""

import builtins
import importlib.abc
import importlib.machinery
import os
import sys
import threading

from . import dialect, modbuiltins
from .modules import ALWAYS
from .modvfs import board_filesystem

_real_import = builtins.__import__


class ScriptImports:
    """The import rules for one script run."""

    def __init__(self, modules, user_dirs):
        self.modules = modules  # a modules.BoardModules
        self.user_dirs = [os.path.abspath(d) for d in user_dirs]
        self.builtins = modbuiltins.board_builtins(modules)
        self.builtins["__import__"] = self._import
        filesystem = board_filesystem(modules)
        if filesystem is not None:
            self._finder = _BoardFinder(self, filesystem)
        else:
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
        if not self._finder.cacheable:  # the board's files change while it runs
            return self._finder.find_user_spec(top, None) is not None
        known = self._user_tops.get(top)
        if known is None:
            known = self._finder.find_user_spec(top, None) is not None
            self._user_tops[top] = known
        return known

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0:
            with self._finder.active():
                return _real_import(name, globals, locals, fromlist, level)
        modules = self.modules
        top = name.partition(".")[0]
        if top == name and modules.is_builtin(name):
            # The firmware's built-in modules come first, as on the board.
            module = modules.get(name)
            if module is not None:
                return _checked_fromlist(module, fromlist)
        if top in ALWAYS:
            return _real_import(name, globals, locals, fromlist, level)
        if self._is_user_module(top):
            with self._finder.active():
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

    cacheable = True

    def __init__(self, imports):
        self.imports = imports

    def active(self):
        return _NO_SCOPE

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


class _Scope:
    """A with-block that does nothing (the host-folder finder answers every import)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_SCOPE = _Scope()


class BoardPackagePath(list):
    """A board package's __path__: board paths (strings such as "/lib/umqtt", as MicroPython
    gives them), which only the board's finder searches."""


class _BoardFinder(importlib.abc.MetaPathFinder):
    """Finds a script's modules as MicroPython's import does (py/builtinimport.c): along the
    board's sys.path ('' is the current folder), through the board's filesystems, a folder
    being a package (with or without __init__.py), NAME.py a module; a frozen module is found
    where '.frozen' stands in sys.path, so one in the current folder shadows it and one in
    /lib does not. Answers only the imports of the script and its modules (active()), so the
    board's files never stand in for the host's modules that mpsock itself imports."""

    cacheable = False

    def __init__(self, imports, filesystem):
        self.imports = imports
        self.filesystem = filesystem
        self._scope = threading.local()

    def active(self):
        finder = self

        class _Active:
            def __enter__(self):
                finder._scope.depth = getattr(finder._scope, "depth", 0) + 1

            def __exit__(self, *exc):
                finder._scope.depth -= 1
                return False

        return _Active()

    def _board_path(self):
        return self.imports.modules["sys"].path

    def find_user_spec(self, fullname, path):
        name = fullname.rpartition(".")[2]
        if path is None:
            entries = self._board_path()
        elif isinstance(path, BoardPackagePath):
            entries = path
        else:
            return None
        kind = self.filesystem.kind
        for entry in list(entries):
            if not isinstance(entry, str):
                continue
            if entry == ".frozen":
                if path is None and fullname in self.imports.modules.frozen:
                    return None  # the firmware's own copy comes first from here on
                continue
            base = entry.rstrip("/") + "/" + name if entry else name
            if kind(base) == "dir":
                init = base + "/__init__.py"
                origin = init if kind(init) == "file" else None
                spec = importlib.machinery.ModuleSpec(
                    fullname, _BoardLoader(self, origin), origin=origin, is_package=True
                )
                spec.submodule_search_locations = BoardPackagePath([base])
                spec.has_location = origin is not None
                return spec
            for suffix in (".py", ".mpy"):
                if kind(base + suffix) == "file":
                    spec = importlib.machinery.ModuleSpec(
                        fullname, _BoardLoader(self, base + suffix), origin=base + suffix
                    )
                    spec.has_location = True
                    return spec
        return None

    def find_spec(self, fullname, path, target=None):
        if fullname.partition(".")[0] in ALWAYS:
            return None
        if isinstance(path, BoardPackagePath):
            spec = self.find_user_spec(fullname, path)
            if spec is None:
                # A board package's submodules are on the board or nowhere (never in a host
                # folder of the same name).
                raise ImportError("no module named '%s'" % fullname, name=fullname)
            return spec
        if path is not None or getattr(self._scope, "depth", 0) == 0:
            return None
        if self.imports.modules.is_builtin(fullname):
            return None
        return self.find_user_spec(fullname, None)


class _BoardLoader(importlib.abc.Loader):
    """Runs a board file as a module: read through the board's filesystem, compiled in
    MicroPython's dialect, with the script's builtins. Its __file__ is the board's path."""

    def __init__(self, finder, path):
        self.finder = finder
        self.path = path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__dict__["__builtins__"] = self.finder.imports.builtins
        if self.path is None:
            return  # a folder without __init__.py: a namespace package
        if self.path.endswith(".mpy"):
            raise ImportError(
                "mpsock: %s is compiled MicroPython bytecode (.mpy), which mpsock cannot run; put the "
                ".py source there instead (mpremote mip install --no-mpy ...)" % self.path,
                name=module.__name__,
            )
        source = self.finder.filesystem.read_bytes(self.path)
        code = dialect.compile_user(source, self.path)
        exec(code, module.__dict__)
