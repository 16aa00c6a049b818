"""The plain-simpy baseline the benchmarks compare against: one toy process per pod, plain timeouts."""

from __future__ import annotations

import time
from typing import Any

import simpy

__all__ = ["toy_lifecycle_seconds"]


def toy_lifecycle_seconds(pods: int, events: int) -> float:
    """Wall seconds for plain simpy to run ``events`` timeouts spread over ``pods`` processes."""
    env = simpy.Environment()
    per_pod = max(1, events // max(pods, 1))

    def lifecycle(i: int) -> Any:
        for _ in range(per_pod):
            yield env.timeout(1.0 + (i % 7) * 0.1)

    for i in range(pods):
        env.process(lifecycle(i))
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start
