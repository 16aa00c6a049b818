"""Bench: the seed lab as a whole process against the bare interpreter and ``import simk8s``, in
the same run.

    python bench/process_cost.py [--n 5] [--scenario scenarios/seed-lab.yaml]

Each command runs ``--n`` times as a child process; the figure is the least CPU time (user +
system) it took, so the neighbours on a shared machine count less than in wall time. Targets:
``import simk8s`` at most 150 ms over the bare interpreter, and the lab at most twice the bare
interpreter plus ``import simk8s``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu(argv: list[str], n: int) -> float:
    best = float("inf")
    # Compiled modules cached as an installed package has them (not recompiled on every start).
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(ROOT)}
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--scenario", default="scenarios/seed-lab.yaml")
    a = ap.parse_args()
    _cpu([sys.executable, "-m", "simk8s.cli", "run", a.scenario], 1)   # warm: compile and cache every module
    bare = _cpu([sys.executable, "-c", "pass"], a.n)
    imported = _cpu([sys.executable, "-c", "import simk8s"], a.n)
    lab = _cpu([sys.executable, "-m", "simk8s.cli", "run", a.scenario], a.n)
    print(f"bare interpreter: {bare * 1e3:.0f} ms; + import simk8s: {imported * 1e3:.0f} ms "
          f"(import {max(imported - bare, 0) * 1e3:.0f} ms)")
    print(f"simk8s run {a.scenario}: {lab * 1e3:.0f} ms = {lab / imported:.2f}x the interpreter with import simk8s")
    print(f"  command: python bench/process_cost.py --n {a.n} --scenario {a.scenario}")


if __name__ == "__main__":
    main()
