"""Bench: ``Cluster.fork()`` of a settled cluster (the seed lab's: a control plane and 3 workers,
the ``web`` StatefulSet with its pods, claims and volumes), against what it replaces, in the same
run: building that cluster again (``Cluster()``, apply, settle) and a bare ``Cluster()``.

    python bench/fork_cost.py [--n 200] [--replicas 2]

CPU time (``time.process_time``), best of 3 rounds: on a shared machine wall time mostly
measures the neighbours.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from simk8s import Cluster
from simk8s.examples import WEB_YAML


def _best(fn: Callable[[], object], n: int, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - start) / n)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--replicas", type=int, default=2)
    a = ap.parse_args()
    manifest = WEB_YAML.replace("replicas: 2", f"replicas: {a.replicas}")

    def build() -> Cluster:
        c = Cluster(seed=1)
        c.apply(manifest)
        c.settle()
        return c

    settled = build()
    fork = _best(settled.fork, a.n)
    fresh = _best(Cluster, max(1, a.n // 2))
    rebuild = _best(build, max(1, a.n // 20))
    print(f"fork of a settled cluster ({settled.store.count('Pod')} pods, {len(settled.store.log)} watch "
          f"events): {fork * 1e6:.0f} us")
    print(f"  building it again: {rebuild * 1e6:.0f} us ({rebuild / fork:.0f}x the fork); "
          f"a bare Cluster(): {fresh * 1e6:.0f} us ({fresh / fork:.2f}x)")
    print(f"  command: python bench/fork_cost.py --n {a.n} --replicas {a.replicas}")


if __name__ == "__main__":
    main()
