"""What MicroPython's dialect costs a script: compiling user files through the rewrite instead of
compile() alone, and running the rewritten `%` (a call for a `%` whose left side could be bytes)
instead of the plain operator. Both sides run in this process, alternating; the figures are the
medians and their ratio. Nothing here asserts a time.

    python3 bench/dialect.py [--runs 7]
"""

import argparse
import statistics
import time

from mpsock import dialect

# A module shaped like the libraries scripts carry (an HTTP client's worth of code, ~300 lines).
LIBRARY = (
    """
import usocket
def request(method, url, data=None, headers={}):
    proto, _, host, path = url.split("/", 3)
    s = usocket.socket()
    s.write(b"%s /%s HTTP/1.0\\r\\n" % (method, path))
    for k in headers:
        s.write(b"%s: %s\\r\\n" % (k, headers[k]))
    if data:
        s.write(b"Content-Length: %d\\r\\n" % len(data))
    return s
"""
    * 30
)

# Arithmetic `%` where neither side is a literal: the rewrite turns it into a helper call.
LOOP = """
def work(n, m):
    total = 0
    for i in range(n):
        total += i % m
    return total
"""

# Formatting into bytes: the camera's semantics (str accepted) against CPython's bytes-only %.
FORMAT = """
def fmt(n, method, path):
    for i in range(n):
        line = b"%s /%s HTTP/1.0" % (method, path)
    return line
"""


def _time(call, repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - start) / repeat


def _namespace(source, rewrite):
    namespace = {
        "__builtins__": dict(__builtins__.__dict__ if hasattr(__builtins__, "__dict__") else __builtins__)
    }
    namespace["__builtins__"].update(dialect.dialect_builtins())
    code = dialect.compile_user(source, "<bench>") if rewrite else compile(source, "<bench>", "exec")
    exec(code, namespace)
    return namespace


def figures(runs):
    rows = {
        "compile a 300-line library": [[], []],
        "x % y, 1e6 times": [[], []],
        "b'%s /%s' % (str, str), 1e5 times": [[], []],
    }
    loop_plain, loop_dialect = _namespace(LOOP, False)["work"], _namespace(LOOP, True)["work"]
    fmt_dialect = _namespace(FORMAT, True)["fmt"]
    fmt_plain = _namespace(FORMAT, False)["fmt"]
    for _ in range(runs):
        rows["compile a 300-line library"][0].append(
            _time(lambda: compile(LIBRARY, "<lib>", "exec", dont_inherit=True), 20)
        )
        rows["compile a 300-line library"][1].append(
            _time(lambda: dialect.compile_user(LIBRARY, "<lib>"), 20)
        )
        rows["x % y, 1e6 times"][0].append(_time(lambda: loop_plain(1_000_000, 7), 1))
        rows["x % y, 1e6 times"][1].append(_time(lambda: loop_dialect(1_000_000, 7), 1))
        # CPython's own bytes % needs bytes arguments; the dialect takes the camera's str ones.
        rows["b'%s /%s' % (str, str), 1e5 times"][0].append(
            _time(lambda: fmt_plain(100_000, b"GET", b"x"), 1)
        )
        rows["b'%s /%s' % (str, str), 1e5 times"][1].append(
            _time(lambda: fmt_dialect(100_000, "GET", "x"), 1)
        )
    return {
        name: (statistics.median(plain), statistics.median(rewritten))
        for name, (plain, rewritten) in rows.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("%-36s %12s %12s %8s" % ("figure", "CPython", "dialect", "ratio"))
    for name, (plain, rewritten) in figures(args.runs).items():
        print("%-36s %10.2f ms %10.2f ms %7.2fx" % (name, plain * 1e3, rewritten * 1e3, rewritten / plain))


if __name__ == "__main__":
    main()
