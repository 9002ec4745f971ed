"""How long a student waits for each course notebook: run it top to bottom in a fresh kernel and
print its wall time beside the CPU seconds of the kernel and the processes it started.

On a loaded machine the wall time grows with the load; the CPU seconds do not, and with one
thread per process (OMP_NUM_THREADS=1, as here) they are about what the wall time is on an idle
laptop core. The first cell of each notebook states that figure.

Each notebook runs with a cache of its own, empty (``INTERPWIDGETS_CACHE`` in a temporary
directory): what a student's first run costs, probing representations computed, not read.
``--warm`` keeps the user's cache (a second run). ``--cells`` prints each code cell's CPU seconds,
to find what is expensive.

    OMP_NUM_THREADS=1 python bench/bench_notebooks.py en zh          # every notebook
    OMP_NUM_THREADS=1 python bench/bench_notebooks.py zh/02_attention  # one
    OMP_NUM_THREADS=1 python bench/bench_notebooks.py --cells en/03_probing
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1] / "notebooks"
RESULTS = Path(__file__).resolve().parent / "results" / "notebooks.json"


def tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds of a process and its children (those that ended included)."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


def run(path: Path, warm: bool = False, cells: bool = False) -> dict:
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        if not warm:
            env["INTERPWIDGETS_CACHE"] = str(Path(tmp) / "cache")
        client = nbclient.NotebookClient(
            nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": tmp}}
        )
        t0 = time.perf_counter()
        peak = 0.0
        failed = ""
        per_cell = []
        with client.setup_kernel(env=env):
            proc = psutil.Process(client.km.provisioner.pid)
            for i, cell in enumerate(nb.cells):
                before = peak
                try:
                    client.execute_cell(cell, i)
                except nbclient.exceptions.CellExecutionError as exc:
                    failed = f"cell {i}: {str(exc).strip().splitlines()[-1][:200]}"
                    break
                finally:
                    peak = max(peak, tree_cpu(proc))  # worker processes end before the kernel does
                if cells and cell.cell_type == "code":
                    per_cell.append((i, round(peak - before, 1), cell.source.splitlines()[0][:70]))
            wall = time.perf_counter() - t0
    for i, cpu, first in per_cell:
        print(f"    cell {i:2}  CPU {cpu:6.1f} s   {first}")
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    return {
        "notebook": f"{path.parent.name}/{path.stem}",
        "wall_s": round(wall, 1),
        "cpu_s": round(peak, 1),
        "cache": "warm" if warm else "cold",
        "ok": not errors and not failed,
        "failed": failed,
        "load_1min": round(os.getloadavg()[0], 1),
    }


def main(args: list[str]) -> None:
    warm, cells = "--warm" in args, "--cells" in args
    args = [a for a in args if a not in ("--warm", "--cells")]
    paths: list[Path] = []
    for a in args or ["en", "zh"]:
        p = ROOT / a
        paths += sorted(p.glob("*.ipynb")) if p.is_dir() else [p.with_suffix(".ipynb")]
    for p in paths:
        row = run(p, warm, cells)
        print(
            f"{row['notebook']:32} wall {row['wall_s']:7.1f} s   CPU {row['cpu_s']:7.1f} s   "
            f"load {row['load_1min']:5.1f}   {row['cache']}   "
            f"{'ok' if row['ok'] else 'ERROR ' + row['failed']}",
            flush=True,
        )
        old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        old[f"{row['notebook']} {row['cache']}"] = row
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
