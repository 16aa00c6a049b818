"""What the StatefulSet planner remembers about one set between plans (same plan, less work)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import simk8s.api.meta as meta
from simk8s.logic.statefulset.status import PodFacts

__all__ = ["PlanMemo"]

Obj = Mapping[str, Any]


class PlanMemo:
    """What the planner learned about one StatefulSet's pods, kept by the caller between plans.

    Stored objects are immutable snapshots, so a verdict on a pod holds for as long as the very same
    pod object comes back (checked by identity, keyed by pod name): its facts (phase, readiness and
    since when, revision), and "the replica pass has nothing to do for it" while its claims'
    existence, deletion and ownerReferences, the set's generation and its update revision are also
    unchanged (that verdict is only kept once the pod is available, which later times do not undo).
    Placeholders for missing ordinals and claim names are kept per version of the set.
    A plan with a memo equals one without.
    """

    def __init__(self) -> None:
        self.facts: dict[str, tuple[Obj, PodFacts]] = {}
        self.steady: dict[str, tuple[Obj, tuple[Any, ...], tuple[Any, ...]]] = {}
        # Valid for one version of the set (uid, generation, current and update revision):
        self.version: tuple[Any, ...] = ()
        self.placeholders: dict[tuple[int, str], dict[str, Any]] = {}
        self.claim_names: dict[int, tuple[str, ...]] = {}

    def begin(self, version: tuple[Any, ...]) -> None:
        """Start a plan of the set at ``version``: what was built for another version is dropped."""
        if version != self.version:
            self.version, self.placeholders, self.claim_names = version, {}, {}

    def forget_all_but(self, pods: Sequence[Obj]) -> None:
        """Drop what was learned about pods (and placeholders) that are gone."""
        if len(self.facts) <= len(pods) and len(self.steady) <= len(pods):
            return
        names = {meta.name(p) for p in pods}
        for table in (self.facts, self.steady):
            for name in [n for n in table if n not in names]:
                del table[name]
