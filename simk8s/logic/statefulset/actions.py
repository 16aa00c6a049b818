"""The writes a StatefulSet sync plans, in order, and the events upstream records for each.

The controller applies them in order and stops at the first failure, recording
:func:`failure_events` (messages as ``stateful_pod_control.go`` words them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Action",
    "CreateClaim",
    "CreatePod",
    "DeletePod",
    "Event",
    "FailSync",
    "UpdateClaim",
    "UpdatePod",
    "claim_event",
    "failure_event",
    "failure_events",
    "pod_event",
]


@dataclass(frozen=True)
class Event:
    """A Kubernetes Event on the StatefulSet: ``type`` Normal/Warning, ``reason``, ``message``."""

    type: str
    reason: str
    message: str


@dataclass(frozen=True)
class CreateClaim:
    """Create ``claim`` for pod ``pod_name``. ``pod_verb`` names the pod operation that fails with it."""

    claim: dict[str, Any]
    set_name: str
    pod_name: str
    event: Event
    pod_verb: str | None = "create"
    batch: int = 0


@dataclass(frozen=True)
class _PodWrite:
    pod: dict[str, Any]
    set_name: str
    event: Event
    batch: int = 0


@dataclass(frozen=True)
class CreatePod(_PodWrite):
    """Create ``pod``."""


@dataclass(frozen=True)
class UpdatePod(_PodWrite):
    """Replace the pod (identity labels, volumes); ``pod`` keeps the listed resourceVersion."""


@dataclass(frozen=True)
class DeletePod:
    """Delete pod ``name`` (precondition ``uid``). ``reason``: Failed, Succeeded, ScaleDown or Update.

    For ``Update`` deletions a NotFound error counts as success (upstream tolerates it).
    """

    name: str
    uid: str
    reason: str
    set_name: str
    event: Event
    batch: int = 0


@dataclass(frozen=True)
class UpdateClaim:
    """Rewrite a claim's ownerReferences for the retention policy (no success event upstream)."""

    claim: dict[str, Any]
    set_name: str
    pod_name: str
    pod_verb: str | None = None
    warnings: tuple[Event, ...] = ()
    batch: int = 0


@dataclass(frozen=True)
class FailSync:
    """The pass cannot continue (e.g. ``pvc www-web-0 is being deleted``): record ``event``, requeue."""

    error: str
    set_name: str
    event: Event | None
    batch: int = 0


Action = CreateClaim | CreatePod | UpdatePod | DeletePod | UpdateClaim | FailSync


def pod_event(verb: str, pod: str, set_name: str, error: str | None = None) -> Event:
    if error is None:
        return Event("Normal", f"Successful{verb.title()}", f"{verb} Pod {pod} in StatefulSet {set_name} successful")
    return Event("Warning", f"Failed{verb.title()}",
                 f"{verb} Pod {pod} in StatefulSet {set_name} failed error: {error}")


def claim_event(verb: str, claim: str, pod: str, set_name: str, error: str | None = None) -> Event:
    if error is None:
        return Event("Normal", f"Successful{verb.title()}",
                     f"{verb} Claim {claim} Pod {pod} in StatefulSet {set_name} success")
    return Event("Warning", f"Failed{verb.title()}",
                 f"{verb} Claim {claim} for Pod {pod} in StatefulSet {set_name} failed error: {error}")


def failure_events(action: Action, error_message: str) -> list[Event]:
    """Events upstream records when ``action`` fails with ``error_message`` (in recording order).

    A CreatePod failing with AlreadyExists records nothing upstream; the controller skips the call then.
    """
    a = action
    if isinstance(a, CreatePod):
        return [pod_event("create", a.pod["metadata"]["name"], a.set_name, error_message)]
    if isinstance(a, UpdatePod):
        return [pod_event("update", a.pod["metadata"]["name"], a.set_name, error_message)]
    if isinstance(a, DeletePod):
        return [pod_event("delete", a.name, a.set_name, error_message)]
    if isinstance(a, CreateClaim):
        name = a.claim["metadata"]["name"]
        out = [claim_event("create", name, a.pod_name, a.set_name, error_message)]
        if a.pod_verb:
            out.append(pod_event(a.pod_verb, a.pod_name, a.set_name,
                                  f"failed to create PVC {name}: {error_message}"))
        return out
    if isinstance(a, UpdateClaim):
        if not a.pod_verb:
            return []
        msg = f"could not update claim {a.claim['metadata']['name']} for delete policy ownerRefs: {error_message}"
        return [pod_event(a.pod_verb, a.pod_name, a.set_name, msg)]
    return [a.event] if a.event else []


def failure_event(action: Action, error_message: str) -> Event | None:
    """The primary event for a failed action (the first of :func:`failure_events`)."""
    events = failure_events(action, error_message)
    return events[0] if events else None
