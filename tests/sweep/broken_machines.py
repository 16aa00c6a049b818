"""State machines with deliberate bugs, importable by Dask workers (the campaign tests' subjects)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant

from simk8s.logic.podutil import is_running_and_ready
from simk8s.testing import ClusterMachine
from simk8s.testing.strategies import statefulsets


def ready_pods(cluster: Any) -> list[str]:
    return sorted(p["metadata"]["name"] for p in cluster.store.list("Pod", "default") if is_running_and_ready(p))


class AtMostOneReady(ClusterMachine):
    """A wrong user invariant, "at most one pod is Ready": it fails as soon as a set of two comes up.
    Sets of at most two replicas and few seeds keep each example (and so shrinking) cheap."""

    @initialize(manifest=statefulsets(max_replicas=2), seed=st.integers(0, 3))
    def start(self, manifest: dict[str, Any], seed: int) -> None:
        super().start(manifest, seed)

    @invariant()
    def at_most_one_ready(self) -> None:
        if self.cluster is not None:
            assert len(ready_pods(self.cluster)) <= 1, f"Ready pods: {ready_pods(self.cluster)}"
