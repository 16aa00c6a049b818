"""StatefulSet ControllerRevisions: what a revision holds, when one is created, reused or rolled back.

Upstream: ``stateful_set_utils.go`` (getPatch, newRevision, ApplyRevision, nextRevision),
``stateful_set_control.go`` (getStatefulSetRevisions, truncateHistory) and ``pkg/controller/history``.
A revision's data is a strategic-merge patch holding only ``spec.template`` (with ``$patch: replace``),
so changes to replicas, partition, strategy... never create revisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import simk8s.api.meta as meta
from simk8s.api.frozen import thaw
from simk8s.logic.hashing import controller_revision_hash, go_json

__all__ = [
    "HASH_LABEL",
    "RevisionPlan",
    "apply_revision",
    "compute_revisions",
    "equal_revision",
    "history_to_truncate",
    "new_revision",
    "revision_name",
    "revision_patch",
    "set_owner_ref",
    "sort_revisions",
]

HASH_LABEL = "controller.kubernetes.io/hash"
REVISION_LABEL = "controller-revision-hash"
DEFAULT_HISTORY_LIMIT = 10

Obj = Mapping[str, Any]
R = TypeVar("R", bound=Mapping[str, Any])


def set_owner_ref(sts: Obj) -> dict[str, Any]:
    """``metav1.NewControllerRef`` to the StatefulSet."""
    return meta.new_controller_ref(sts, "apps/v1", "StatefulSet")


def _go_template(template: Obj) -> dict[str, Any]:
    """The template as Go's typed encoder emits it: struct fields without omitempty always appear."""
    t = thaw(template) if template else {}
    md = t.setdefault("metadata", {})
    md.setdefault("creationTimestamp", None)
    for c in (t.get("spec") or {}).get("containers") or []:
        c.setdefault("resources", {})
    return t


def revision_patch(sts: Obj) -> dict[str, Any]:
    """The revision data: ``{"spec": {"template": {..., "$patch": "replace"}}}``."""
    template = _go_template((sts.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def revision_name(set_name: str, hash_: str) -> str:
    """``ControllerRevisionName``: ``<set>-<hash>``, the prefix cut to 223 bytes."""
    return f"{set_name[:223]}-{hash_}"


def new_revision(sts: Obj, revision_number: int, collision_count: int) -> dict[str, Any]:
    """A ControllerRevision capturing the set's current template."""
    md = meta.metadata(sts)
    data = revision_patch(sts)
    h = controller_revision_hash(go_json(data), collision_count)
    labels = dict(((sts.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {})
    labels[HASH_LABEL] = h
    rmd: dict[str, Any] = {
        "name": revision_name(md.get("name", ""), h),
        "namespace": md.get("namespace", "default"),
        "labels": labels,
        "ownerReferences": [set_owner_ref(sts)],
    }
    if md.get("annotations"):
        rmd["annotations"] = dict(md["annotations"])
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": rmd,
            "data": data, "revision": revision_number}


def _label_hash(rev: Obj) -> int | None:
    # Upstream parses the hash label as a base-10 int32; safe-encoded hashes only parse when all digits.
    hs = meta.labels(rev).get(HASH_LABEL)
    if hs is None:
        return None
    try:
        v = int(hs, 10)
    except ValueError:
        return None
    return v & 0xFFFFFFFF if -(2**31) <= v < 2**31 else None


def equal_revision(a: Obj | None, b: Obj | None) -> bool:
    """``history.EqualRevision``: both None, or same data (hash labels consulted the upstream way)."""
    if a is None or b is None:
        return a is b
    ha, hb = _label_hash(a), _label_hash(b)
    if ha is not None and hb is not None and ha != hb:
        return False
    return go_json(a.get("data")) == go_json(b.get("data"))


def sort_revisions(revisions: Iterable[R]) -> list[R]:
    """By ``.revision``, ties by creationTimestamp then name (stable)."""
    def key(r: R) -> tuple[int, str, str]:
        md = meta.metadata(r)
        return int(r.get("revision") or 0), md.get("creationTimestamp") or "", md.get("name") or ""
    return sorted(revisions, key=key)


@dataclass
class RevisionPlan:
    """Outcome of one revision computation.

    ``current``/``update`` are the revisions to use for this sync (as they will be after the writes);
    the controller first creates ``to_create`` (new update revision) or updates ``to_update``
    (rollback: an older revision whose ``.revision`` is bumped, name unchanged), then plans pods.
    ``revisions`` is the sorted history including those changes.
    """

    current: dict[str, Any]
    update: dict[str, Any]
    collision_count: int
    to_create: dict[str, Any] | None = None
    to_update: dict[str, Any] | None = None
    revisions: list[dict[str, Any]] = field(default_factory=list)


def compute_revisions(sts: Obj, revisions: Sequence[Obj]) -> RevisionPlan:
    """``getStatefulSetRevisions``: reuse, roll back to, or create the update revision."""
    history = [thaw(r) for r in sort_revisions(revisions)]
    status = sts.get("status") or {}
    collision = int(status.get("collisionCount") or 0)
    next_number = int(history[-1].get("revision") or 0) + 1 if history else 1
    candidate = new_revision(sts, next_number, collision)
    equal = [r for r in history if equal_revision(r, candidate)]
    to_create = to_update = None
    if equal and equal_revision(history[-1], equal[-1]):
        update = history[-1]
    elif equal:
        update = dict(equal[-1], revision=next_number)
        to_update = update
        name = update["metadata"]["name"]
        history = sort_revisions([update if r["metadata"]["name"] == name else r for r in history])
    else:
        # CreateControllerRevision: a name taken by different data bumps the collision count.
        by_name = {r["metadata"]["name"]: r for r in history}
        while candidate["metadata"]["name"] in by_name:
            existing = by_name[candidate["metadata"]["name"]]
            if go_json(existing.get("data")) == go_json(candidate["data"]):
                break
            collision += 1
            candidate = new_revision(sts, next_number, collision)
        if candidate["metadata"]["name"] in by_name:
            update = by_name[candidate["metadata"]["name"]]
        else:
            update = candidate
            to_create = candidate
            history.append(candidate)
    current_name = status.get("currentRevision")
    current = next((r for r in history if r["metadata"]["name"] == current_name), update)
    return RevisionPlan(current=current, update=update, collision_count=collision,
                        to_create=to_create, to_update=to_update, revisions=history)


def history_to_truncate(sts: Obj, revisions: Sequence[Obj], pods: Iterable[Obj],
                        current: Obj | None, update: Obj | None) -> list[str]:
    """Names of revisions to delete, oldest first, keeping ``revisionHistoryLimit`` non-live ones.

    Live revisions (current, update, any pod's ``controller-revision-hash``) are never deleted.
    """
    limit = (sts.get("spec") or {}).get("revisionHistoryLimit")
    limit = DEFAULT_HISTORY_LIMIT if limit is None else int(limit)
    if len(revisions) <= limit:
        return []   # the non-live ones are fewer still
    live = {meta.metadata(r or {}).get("name") for r in (current, update)}
    live |= {meta.labels(p).get(REVISION_LABEL, "") for p in pods}
    hist = [r for r in sort_revisions(revisions) if r["metadata"]["name"] not in live]
    if len(hist) <= limit:
        return []
    return [r["metadata"]["name"] for r in hist[: len(hist) - limit]]


def apply_revision(sts: Obj, revision: Obj) -> dict[str, Any]:
    """``ApplyRevision``: the set with the template recorded in ``revision`` (a shallow copy: the
    unchanged parts are shared, so treat it as read-only)."""
    template = ((revision.get("data") or {}).get("spec") or {}).get("template") or {}
    out = dict(sts)
    out["spec"] = {**(sts.get("spec") or {}), "template": {k: v for k, v in template.items() if k != "$patch"}}
    return out
