"""Bench: ClusterMachine examples per second (3-worker cluster, 20-step sequences).

    python bench/hypothesis_rate.py [--examples 20] [--steps 20] [--derandomize]

``--derandomize`` runs the same examples every time (to compare two versions of the code).
"""

from __future__ import annotations

import argparse
import time

from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from simk8s.testing import ClusterMachine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=20)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--derandomize", action="store_true", help="the same examples on every run")
    a = ap.parse_args()
    start = time.perf_counter()
    run_state_machine_as_test(ClusterMachine, settings=settings(
        max_examples=a.examples, stateful_step_count=a.steps, deadline=None, database=None,
        phases=[Phase.generate], derandomize=a.derandomize))
    wall = time.perf_counter() - start
    print(f"{a.examples} examples of up to {a.steps} steps in {wall:.1f} s: {a.examples / wall:.2f} examples/s")


if __name__ == "__main__":
    main()
