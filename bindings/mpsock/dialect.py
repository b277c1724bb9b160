"""MicroPython's looser Python, for the script and the modules it imports from its own folders.

CPython compiles those files through `compile_user`, which rewrites the few operations where
MicroPython accepts what CPython refuses:

- `bytes % args` formats str arguments into the bytes (MicroPython's str_modulo_format prints
  every argument, a str as its text, a bytes as its repr), where CPython raises TypeError. A `%`
  whose left side is a bytes literal calls `__mpsock_bytes_mod__`; a `%` whose left side could
  be bytes (a name, a call, ...) calls `__mpsock_mod__`, which checks the type first; a `%` with
  a number or a str literal on either side is left alone, so arithmetic stays as fast.

The rest of the dialect is in the script's modules (builtins without the names the board lacks,
`const`, the board's sys/os/time/gc/binascii). `Notes` collects what `mpsock run --strict`
reports: the places where a script relied on the camera differing from CPython.
"""

import ast
import re
import sys
import tokenize
from io import BytesIO

BYTES_MOD = "__mpsock_bytes_mod__"
CODE_EMITTERS = ("native", "viper", "bytecode")
ANY_MOD = "__mpsock_mod__"


class Notes:
    """What the script relied on that CPython does differently, each kind said once."""

    def __init__(self):
        self.enabled = False
        self.seen = {}
        self.stream = None

    def note(self, kind, message):
        if not self.enabled or kind in self.seen:
            return
        self.seen[kind] = message
        stream = self.stream or sys.stderr
        try:
            stream.write("mpsock strict: %s\n" % message)
            stream.flush()
        except (OSError, ValueError):
            pass


NOTES = Notes()


def configure(strict=False, stream=None):
    NOTES.enabled = bool(strict)
    NOTES.seen = {}
    NOTES.stream = stream


# ---- bytes % args, as MicroPython formats it ----


def _has_str(args):
    if isinstance(args, str):
        return True
    if isinstance(args, tuple):
        return any(isinstance(arg, str) for arg in args)
    if isinstance(args, dict):
        return any(isinstance(arg, str) for arg in args.values())
    return False


class _BytesArgument:
    """A bytes argument of a bytes format: under %s its bytes go in as they are, under %r its
    repr (b'...'), as MicroPython formats it."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data

    def __str__(self):
        return self.data.decode("utf-8", "surrogateescape")

    def __repr__(self):
        return repr(self.data)


def _bytes_arguments(args):
    if args.__class__ is bytes:
        return _BytesArgument(args)
    if args.__class__ is tuple:
        return tuple(_BytesArgument(arg) if arg.__class__ is bytes else arg for arg in args)
    if args.__class__ is dict:
        return {key: _BytesArgument(value) if value.__class__ is bytes else value for key, value in args.items()}
    return args


def bytes_mod(fmt, args):
    """`fmt % args` for a bytes `fmt`, as MicroPython does it: the format runs as text over the
    bytes (each byte kept, whatever it is) and the result is encoded back as UTF-8; a str goes in
    as its text, a bytes argument as its bytes."""
    if NOTES.enabled and _has_str(args):
        NOTES.note(
            "bytes-mod-str",
            "formatted a str into bytes with %: the camera puts the text in (CPython raises TypeError)",
        )
    text = fmt.decode("utf-8", "surrogateescape")
    return (text % _bytes_arguments(args)).encode("utf-8", "surrogateescape")


def any_mod(left, right):
    if left.__class__ is bytes:
        return bytes_mod(left, right)
    return left % right


# ---- the rewrite ----


_NUMBERS = (int, float, complex)


def _mod_helper(node):
    """The helper a `%` becomes, or None to keep the operator: a number on either side (or a str
    or f-string on the left) cannot be a bytes format."""
    left = node.left
    if left.__class__ is ast.Constant:
        return BYTES_MOD if left.value.__class__ is bytes else None
    if left.__class__ is ast.JoinedStr:
        return None
    right = node.right
    if right.__class__ is ast.Constant and right.value.__class__ in _NUMBERS:
        return None
    return ANY_MOD


def _mod_call(node, helper):
    name = ast.Name(id=helper, ctx=ast.Load())
    call = ast.Call(func=name, args=[node.left, node.right], keywords=[])
    for located in (name, call):
        located.lineno, located.col_offset = node.lineno, node.col_offset
        located.end_lineno, located.end_col_offset = node.end_lineno, node.end_col_offset
    return call


def _rewritten(node):
    """`node` itself, or the call a `%` becomes."""
    if node.__class__ is ast.BinOp and node.op.__class__ is ast.Mod:
        helper = _mod_helper(node)
        if helper is not None:
            return _mod_call(node, helper)
    return node


class _Dialect:
    """One pass over a user file's tree: rewrites `%`, drops the code-emitter decorators, and
    notes what --strict reports. (A hand-written walk: ast.NodeTransformer costs several times
    more per node.)"""

    def __init__(self, missing_builtins=()):
        self.uses_match = False
        self.const_calls = False
        self.imports_const = False
        self.missing_builtins = missing_builtins
        self.caught_missing = []

    def visit(self, tree):
        stack = [tree]
        while stack:
            node = stack.pop()
            kind = node.__class__
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self._decorators(node)
            elif kind is ast.ExceptHandler:
                self._except(node)
            elif kind is ast.Call:
                if node.func.__class__ is ast.Name and node.func.id == "const":
                    self.const_calls = True
            elif kind is ast.ImportFrom:
                if node.module in ("micropython", "umicropython") and any(
                    a.name == "const" for a in node.names
                ):
                    self.imports_const = True
            elif kind is ast.Match:
                self.uses_match = True
            for field in node._fields:
                value = getattr(node, field, None)
                if value.__class__ is list:
                    for i, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            replaced = _rewritten(item)
                            if replaced is not item:
                                value[i] = replaced
                            stack.append(replaced)
                elif isinstance(value, ast.AST):
                    replaced = _rewritten(value)
                    if replaced is not value:
                        setattr(node, field, replaced)
                    stack.append(replaced)
        return _rewritten(tree)

    def _decorators(self, node):
        # @micropython.native / .viper are the compiler's, as on the board (no import needed);
        # the code runs as bytecode here. Inline assembler cannot run on the desktop at all.
        kept = []
        for decorator in node.decorator_list:
            if decorator.__class__ is ast.Attribute and decorator.value.__class__ is ast.Name:
                if decorator.value.id == "micropython" and decorator.attr in CODE_EMITTERS:
                    continue
                if decorator.value.id == "micropython" and decorator.attr.startswith("asm_"):
                    error = SyntaxError(
                        "mpsock cannot run inline assembler (@micropython.%s)" % decorator.attr
                    )
                    error.lineno = decorator.lineno
                    error.offset = decorator.col_offset + 1
                    raise error
            kept.append(decorator)
        node.decorator_list = kept

    def _except(self, node):
        if not self.missing_builtins or node.type is None:
            return
        names = node.type.elts if node.type.__class__ is ast.Tuple else [node.type]
        for name in names:
            if name.__class__ is ast.Name and name.id in self.missing_builtins:
                self.caught_missing.append((name.id, name.lineno))


_FSTRING_DEBUG = re.compile(r"\{[^{}:!]*[^=!<>{}:]=\s*(![rsa])?(:[^{}]*)?\}")


def _fstring_debug_in(source):
    """Whether an f-string in `source` uses `{name=}` (CPython 3.8's self-documenting form)."""
    try:
        for token in tokenize.tokenize(BytesIO(source).readline):
            if token.type == tokenize.STRING:
                prefix = token.string[: len(token.string) - len(token.string.lstrip("rRbBfFuU"))]
                if "f" in prefix.lower() and _FSTRING_DEBUG.search(token.string):
                    return True
            elif getattr(tokenize, "FSTRING_MIDDLE", None) == token.type and _FSTRING_DEBUG.search(
                token.string
            ):
                return True
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return False


def compile_user(source, filename, mode="exec"):
    """Compiles a user file's source with MicroPython's dialect. Raises SyntaxError as
    compile() does."""
    tree = ast.parse(source, filename, mode)
    dialect = _Dialect(_missing_builtins() if NOTES.enabled else ())
    try:
        tree = dialect.visit(tree)
    except SyntaxError as error:
        error.filename = filename
        raise
    if NOTES.enabled:
        _note_syntax(dialect, source, filename)
    return compile(tree, filename, mode, dont_inherit=True)


def _missing_builtins():
    from . import modbuiltins

    return frozenset(modbuiltins.missing_names())


def _note_syntax(dialect, source, filename):
    for name, line in dialect.caught_missing:
        NOTES.note(
            "caught:" + name,
            "%s line %d catches %s, which the camera does not have: there the except clause raises "
            "NameError when an exception reaches it (catch OSError and look at e.args[0])"
            % (filename, line, name),
        )
    if dialect.uses_match:
        NOTES.note(
            "match",
            "%s uses `match`, which MicroPython does not have (a SyntaxError on the camera)" % filename,
        )
    if dialect.const_calls and not dialect.imports_const:
        NOTES.note(
            "const-builtin:" + filename,
            "%s calls const() without `from micropython import const`: the camera's compiler knows it, "
            "CPython would raise NameError" % filename,
        )
    data = source.encode("utf-8", "surrogateescape") if isinstance(source, str) else source
    if b"=" in data and _fstring_debug_in(data):
        NOTES.note(
            "fstring-debug",
            "%s uses an f-string `{name=}`, which MicroPython does not have (a SyntaxError on the camera)"
            % filename,
        )


def dialect_builtins():
    """The names the rewritten code calls, for the script's builtins."""
    return {BYTES_MOD: bytes_mod, ANY_MOD: any_mod}
