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


def bytes_mod(fmt, args):
    """`fmt % args` for a bytes `fmt`, as MicroPython does it: the format runs as text over the
    bytes (each byte kept, whatever it is) and the result is encoded back as UTF-8."""
    if NOTES.enabled and _has_str(args):
        NOTES.note(
            "bytes-mod-str",
            "formatted a str into bytes with %: the camera puts the text in (CPython raises TypeError)",
        )
    text = fmt.decode("utf-8", "surrogateescape")
    return (text % args).encode("utf-8", "surrogateescape")


def any_mod(left, right):
    if left.__class__ is bytes:
        return bytes_mod(left, right)
    return left % right


# ---- the rewrite ----


def _is_number(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex))


class _Dialect(ast.NodeTransformer):
    def __init__(self, missing_builtins=()):
        self.uses_match = False
        self.const_calls = False
        self.imports_const = False
        self.missing_builtins = missing_builtins
        self.caught_missing = []

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if not isinstance(node.op, ast.Mod):
            return node
        left = node.left
        if isinstance(left, ast.Constant) and isinstance(left.value, bytes):
            helper = BYTES_MOD
        elif _is_number(left) or _is_number(node.right) or isinstance(left, (ast.JoinedStr, ast.Constant)):
            return node
        else:
            helper = ANY_MOD
        call = ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=[left, node.right], keywords=[])
        return ast.copy_location(call, node)

    def _decorators(self, node):
        # @micropython.native / .viper are the compiler's, as on the board (no import needed);
        # the code runs as bytecode here. Inline assembler cannot run on the desktop at all.
        kept = []
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Attribute) and isinstance(decorator.value, ast.Name):
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
        return self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = _decorators

    def visit_ExceptHandler(self, node):
        names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        for name in names:
            if isinstance(name, ast.Name) and name.id in self.missing_builtins:
                self.caught_missing.append((name.id, name.lineno))
        return self.generic_visit(node)

    def visit_Match(self, node):
        self.uses_match = True
        return self.generic_visit(node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id == "const":
            self.const_calls = True
        return self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.module in ("micropython", "umicropython") and any(
            alias.name == "const" for alias in node.names
        ):
            self.imports_const = True
        return node


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
    ast.fix_missing_locations(tree)
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
