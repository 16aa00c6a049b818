"""Which pods and revisions a StatefulSet adopts and releases, decided from one snapshot.

Upstream ``getPodsForStatefulSet`` / ``ClaimPods`` and ``ClaimControllerRevisions``
(``controller_ref_manager.go``): a set keeps what it controls and still selects, adopts selected
orphans, and releases what it controls but no longer selects. The functions here only decide; the
controller writes each :class:`Adopt` and :class:`Release` in order and keeps what the writes return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from simk8s.api.frozen import thaw
from simk8s.logic.podutil import get_ordinal
from simk8s.logic.revisions import set_owner_ref

__all__ = ["Adopt", "Release", "claim_pods", "claim_revisions"]

Obj = Mapping[str, Any]
M = TypeVar("M", bound=Mapping[str, Any])


@dataclass(frozen=True)
class Adopt:
    """Update ``obj`` to ``body`` (its owners plus the set's controller reference); the set keeps the result."""

    obj: Obj
    body: dict[str, Any]


@dataclass(frozen=True)
class Release:
    """Update ``obj`` to ``body`` (its owners without the set); the set no longer counts it."""

    obj: Obj
    body: dict[str, Any]


def _controller(obj: Obj) -> Obj | None:
    return next((r for r in obj["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def _adopt(sts: Obj, obj: Obj) -> Adopt:
    body = thaw(obj)
    body["metadata"]["ownerReferences"] = [*(body["metadata"].get("ownerReferences") or ()), set_owner_ref(sts)]
    return Adopt(obj, body)


def _release(sts: Obj, obj: Obj) -> Release:
    body = thaw(obj)
    uid = sts["metadata"]["uid"]
    refs = [r for r in body["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
    if refs:
        body["metadata"]["ownerReferences"] = refs
    else:
        body["metadata"].pop("ownerReferences", None)
    return Release(obj, body)


def claim_pods(sts: Obj, candidates: Iterable[M], selects: Callable[[M], bool]) -> list[M | Adopt | Release]:
    """The set's decision on each of ``candidates`` (its pods and the namespace's orphans), in their order.

    A pod it controls stays (the pod itself) unless it stopped matching ``selects`` while the set
    lives (:class:`Release`); a matching orphan that is a member by name is adopted (:class:`Adopt`)
    unless the set or the pod is being deleted. Other pods are left out.
    """
    name, uid = sts["metadata"]["name"], sts["metadata"]["uid"]
    deleting = bool(sts["metadata"].get("deletionTimestamp"))
    out: list[M | Adopt | Release] = []
    for pod in candidates:
        matches = selects(pod)
        ctrl = _controller(pod)
        if ctrl is None:
            if matches and not deleting and not pod["metadata"].get("deletionTimestamp") and \
                    get_ordinal(name, pod["metadata"]["name"]) >= 0:
                out.append(_adopt(sts, pod))
        elif ctrl.get("uid") == uid:
            out.append(pod if matches or deleting else _release(sts, pod))
    return out


def claim_revisions(sts: Obj, candidates: Iterable[M], selects: Callable[[M], bool]) -> list[M | Adopt]:
    """The set's decision on each ControllerRevision of ``candidates``, in their order: those it
    owns stay, matching ones without owners are adopted, others are left out."""
    uid = sts["metadata"]["uid"]
    out: list[M | Adopt] = []
    for rev in candidates:
        refs = rev["metadata"].get("ownerReferences") or ()
        if any(r.get("uid") == uid for r in refs):
            out.append(rev)
        elif not refs and selects(rev):
            out.append(_adopt(sts, rev))
    return out
