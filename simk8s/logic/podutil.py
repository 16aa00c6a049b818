"""Predicates over pods, exactly as the StatefulSet controller and ``podutil`` define them.

``now`` arguments accept either seconds since the epoch (float) or an aware ``datetime``; timestamps
inside objects are RFC 3339 strings (``2024-05-01T10:00:00Z``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import simk8s.api.meta as meta
import simk8s.api.times as times
from simk8s.api.typed import condition

__all__ = [
    "get_ordinal",
    "get_parent_and_ordinal",
    "is_created",
    "is_failed",
    "is_healthy",
    "is_pending",
    "is_pod_available",
    "is_pod_ready",
    "is_running_and_available",
    "is_running_and_ready",
    "is_succeeded",
    "is_terminating",
    "is_unavailable",
    "parse_time",
    "pod_ready_condition",
    "to_seconds",
]

_ORDINAL_RE = re.compile(r"^(.*)-([0-9]+)$")
_INT32_MAX = 2**31 - 1

Obj = Mapping[str, Any]


def parse_time(value: str) -> float:
    """Seconds since the epoch of an RFC 3339 timestamp (``Z`` or numeric offset, optional fraction)."""
    return times.parse_time(value).timestamp()


def to_seconds(now: float | datetime | str) -> float:
    """Normalise a ``now`` argument to epoch seconds."""
    if isinstance(now, datetime):
        return (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()
    if isinstance(now, str):
        return parse_time(now)
    return float(now)


@lru_cache(maxsize=1 << 16)
def get_parent_and_ordinal(pod_name: str) -> tuple[str, int]:
    """Split ``web-3`` into ``("web", 3)``; ``("", -1)`` when the name has no (int32) ordinal suffix."""
    m = _ORDINAL_RE.match(pod_name)
    if not m:
        return "", -1
    ordinal = int(m.group(2))
    if ordinal > _INT32_MAX:
        return "", -1
    return m.group(1), ordinal


def get_ordinal(set_name: str, pod_name: str) -> int:
    """The pod's ordinal if it is a member of the set named ``set_name`` (parent name equal), else -1."""
    parent, ordinal = get_parent_and_ordinal(pod_name)
    return ordinal if parent == set_name else -1


def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def pod_ready_condition(pod: Obj) -> Mapping[str, Any] | None:
    """The pod's ``Ready`` condition, or None."""
    return condition(pod, "Ready")


def is_pod_ready(pod: Obj) -> bool:
    """``podutil.IsPodReady``: the Ready condition has status ``True``."""
    c = pod_ready_condition(pod)
    return c is not None and c.get("status") == "True"


def is_pod_available(pod: Obj, min_ready_seconds: int, now: float | datetime | str) -> bool:
    """``podutil.IsPodAvailable``: ready, and ready since strictly more than ``min_ready_seconds``."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    c = pod_ready_condition(pod) or {}
    since = c.get("lastTransitionTime")
    if not since:
        return False
    return parse_time(since) + min_ready_seconds < to_seconds(now)


def is_created(pod: Obj) -> bool:
    """Has a phase (the API server sets ``Pending`` on create); in-memory placeholders have none."""
    return _phase(pod) != ""


def is_pending(pod: Obj) -> bool:
    return _phase(pod) == "Pending"


def is_failed(pod: Obj) -> bool:
    return _phase(pod) == "Failed"


def is_succeeded(pod: Obj) -> bool:
    return _phase(pod) == "Succeeded"


def is_terminating(pod: Obj) -> bool:
    """Has a ``deletionTimestamp``."""
    return meta.deleting(pod)


def is_running_and_ready(pod: Obj) -> bool:
    return _phase(pod) == "Running" and is_pod_ready(pod)


def is_running_and_available(pod: Obj, min_ready_seconds: int, now: float | datetime | str) -> bool:
    """Upstream ``isRunningAndAvailable`` is ``IsPodAvailable`` (it does not re-check the phase)."""
    return is_pod_available(pod, min_ready_seconds, now)


def is_healthy(pod: Obj) -> bool:
    """Running and Ready and not terminating."""
    return is_running_and_ready(pod) and not is_terminating(pod)


def is_unavailable(pod: Obj, min_ready_seconds: int, now: float | datetime | str) -> bool:
    """Not healthy, or not yet available: placeholders, pending, unready and terminating pods count."""
    return not is_healthy(pod) or not is_running_and_available(pod, min_ready_seconds, now)
