"""No script content, path or argument ever goes through a shell: nothing in the installed
package calls one, and a script whose name and arguments are full of shell syntax runs with
them verbatim."""

import ast
import os
import subprocess

import pytest

# Calls that hand their command line to /bin/sh.
SHELL_CALLS = {
    ("os", "system"),
    ("os", "popen"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_shell"),
    ("pty", "spawn"),
}
SUBPROCESS_CALLS = {"Popen", "run", "call", "check_call", "check_output"}


def package_folders():
    import mpsock

    folders = {os.path.dirname(os.path.abspath(mpsock.__file__))}
    for name in ("mpsock.conformance", "mpsock.firmware_shim"):
        try:
            module = __import__(name, fromlist=["_"])
        except ImportError:
            continue
        folders.add(os.path.dirname(os.path.abspath(module.__file__)))
    return sorted(folders)


def python_files():
    for folder in package_folders():
        for root, _, names in os.walk(folder):
            for name in names:
                if name.endswith(".py"):
                    yield os.path.join(root, name)


def dotted(node):
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    return None


def shell_uses(path):
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), path)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if name in SHELL_CALLS:
            found.append("%s:%d %s.%s" % (path, node.lineno, *name))
        called = name[1] if name else getattr(node.func, "id", None)
        if called in SUBPROCESS_CALLS:
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (
                    isinstance(keyword.value, ast.Constant) and not keyword.value.value
                ):
                    found.append("%s:%d shell=%s" % (path, node.lineno, ast.unparse(keyword.value)))
    return found


def test_the_package_never_calls_a_shell():
    files = list(python_files())
    assert len(files) > 5, files  # the package was found
    uses = [use for path in files for use in shell_uses(path)]
    assert uses == []


def test_the_scan_finds_a_shell_call(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os, subprocess\nos.system('x')\nsubprocess.run('x', shell=True)\nsubprocess.run(['x'])\n"
    )
    assert [use.split(" ", 1)[1] for use in shell_uses(str(sample))] == ["os.system", "shell=True"]


HOSTILE_NAME = "$(touch pwned-name);`touch pwned-tick`.py"
HOSTILE_ARGS = ["$(touch pwned-arg)", "; touch pwned-semicolon", "| touch pwned-pipe", "'\"", "*"]


@pytest.mark.parametrize("command", [("mpsock", "run"), ("mpsock-micropython",)])
def test_shell_syntax_in_script_name_and_arguments_is_taken_literally(command, tmp_path):
    path = tmp_path / HOSTILE_NAME
    path.write_text("import sys\nprint(repr(sys.argv[1:]))\n")
    result = subprocess.run(
        list(command) + [str(path)] + HOSTILE_ARGS, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == repr(HOSTILE_ARGS) + "\n"
    assert not [name for name in os.listdir(tmp_path) if name.startswith("pwned")]


def test_shell_syntax_in_dash_c_code_is_taken_literally(tmp_path):
    code = "print('$(touch pwned-code)')"
    result = subprocess.run(
        ["mpsock-micropython", "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.stdout == "$(touch pwned-code)\n"
    assert not os.listdir(tmp_path)
