"""Bench: the cost of a fresh ``Cluster(seed=s)`` (default topology), as ms per cluster and as a
ratio to a baseline built in the same run: a bare ``simpy.Environment`` plus as many plain dicts as
the cluster stores objects.

    python bench/cluster_cost.py [--n 500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import simpy

from simk8s.cluster import Cluster


def _best(fn: Callable[[int], None], n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(n)
        best = min(best, (time.perf_counter() - start) / n)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    objects = sum(1 for _ in Cluster().objects())

    def clusters(n: int) -> None:
        for i in range(n):
            Cluster(seed=i)

    def baseline(n: int) -> None:
        for i in range(n):
            simpy.Environment()
            [{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": f"o{j}", "uid": str(i)}} for j in range(objects)]

    cluster = _best(clusters, a.n, a.repeat)
    base = _best(baseline, a.n * 20, a.repeat)   # cheap: more rounds for a steady minimum
    print(f"Cluster(): {cluster * 1e3:.3f} ms; baseline (simpy.Environment + {objects} dicts): "
          f"{base * 1e3:.4f} ms; ratio {cluster / base:.0f}x")


if __name__ == "__main__":
    main()
