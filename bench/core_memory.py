"""The core's heap per socket, from the C++ benchmark program (bench/core/memory_bench.cpp),
as rows of the end-to-end table. Skipped, with a row that says how to get it, when the
program has not been built."""

import json
import os
import subprocess

TARGET_BYTES = 2048.0
TIMEOUT_S = 120

# (benchmark name, label, judged against the target)
FIGURES = (
    ("BM_HeapPerTcpSocket/kind:1/iterations:1", "core heap per idle TCP socket", True),
    ("BM_HeapPerTcpSocket/kind:2/iterations:1", "  ... idle after one 32 B exchange", True),
    ("BM_HeapPerTcpSocket/kind:3/iterations:1", "  ... accepted, idle", True),
    ("BM_HeapPerUdpSocket/kind:1/iterations:1", "core heap per bound UDP socket", False),
    ("BM_HeapPerUdpSocket/kind:2/iterations:1", "  ... after one datagram", False),
)


def core_memory_rows(program):
    if not program or not os.path.exists(program):
        return [
            [
                "core heap per idle TCP socket",
                "B",
                "n/a",
                "-",
                "-",
                "<= 2048 B",
                "not built: cmake -DMPSOCK_BUILD_BENCHMARKS=ON (see bench/README.md)",
            ]
        ]
    completed = subprocess.run(
        [program, "--benchmark_filter=BM_HeapPer", "--benchmark_format=json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        return [
            ["core heap per idle TCP socket", "B", "n/a", "-", "-", "<= 2048 B", "benchmark program failed"]
        ]
    found = {b["name"]: b.get("heap_bytes_per_socket") for b in json.loads(completed.stdout)["benchmarks"]}
    rows = []
    for name, label, judged in FIGURES:
        value = found.get(name)
        shown = "n/a" if value is None else "%.0f" % value
        if judged:
            verdict = "" if value is None else ("ok" if value <= TARGET_BYTES else "MISS")
            rows.append([label, "B", shown, "-", "-", "<= 2048 B", verdict])
        else:
            rows.append([label, "B", shown, "-", "-", "-", ""])
    return rows
