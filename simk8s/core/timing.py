"""How long things take in simulated time, calibrated to the seed lab's real cluster.

Every duration is drawn from a range with the cluster's seeded RNG, so runs are reproducible
and still look like a real cluster (web-0 Running at 18 s, web-1 at 20 s). Override any field to
model another cluster: ``Cluster(timing=Timing(image_pull=(30, 40)))``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Timing"]

Span = tuple[float, float]


@dataclass(frozen=True)
class Timing:
    # local-path: from the scheduler's selected-node annotation to a bound PV (helper pod + mkdir).
    provision: Span = (8.6, 9.9)
    # local-path: removing the directory of a released PV with reclaim policy Delete.
    deprovision: Span = (1.0, 2.0)
    # kubelet: from the pod landing on the node to its first status (ContainerCreating).
    kubelet_notice: Span = (0.0, 0.3)
    # kubelet: sandbox and CNI: from ContainerCreating to the pod having an IP.
    sandbox: Span = (0.4, 1.3)
    # First pull of an image on a node (the seed: nginx-slim ~9 s); scaled by ImageSpec.pull_factor.
    image_pull: Span = (7.6, 8.9)
    # Creating and starting a container whose image is present.
    container_start: Span = (0.2, 0.9)
    # kubelet: from an attached main process exiting to the pod status saying so (PLEG relists every 1 s).
    exit_notice: Span = (0.1, 1.0)
    # kubelet's status update after a pod gets its deletionTimestamp.
    kill_notice: Span = (0.3, 0.9)
    # Back-off between image pulls / container restarts starts here and doubles up to the cap.
    backoff_initial: float = 10.0
    backoff_cap: float = 300.0
    # Node lifecycle controller.
    node_monitor_grace: float = 40.0
    # Garbage collector reaction to an owner's deletion.
    gc_delay: Span = (0.0, 0.2)

    def draw(self, rng: random.Random, span: Span) -> float:
        lo, hi = span
        return lo if hi <= lo else rng.uniform(lo, hi)
