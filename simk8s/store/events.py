"""Kubernetes Events as the client-go recorder writes them, correlated like its EventCorrelator.

Identical events (same source, involved object, type, reason and message) are folded into one
object whose ``count`` and ``lastTimestamp`` grow, as ``kubectl describe`` shows them
(``Normal  Pulled  2m (x3 over 5m)  kubelet  ...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.errors import ApiError
from simk8s.store import Store

__all__ = ["EventRecorder", "involved_ref"]


def involved_ref(obj: Mapping[str, Any], field_path: str | None = None) -> dict[str, Any]:
    meta = obj["metadata"]
    ref: dict[str, Any] = {"apiVersion": obj.get("apiVersion", "v1"), "kind": obj.get("kind", "")}
    if field_path:
        ref["fieldPath"] = field_path
    ref["name"] = meta["name"]
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    ref["resourceVersion"] = meta.get("resourceVersion", "")
    ref["uid"] = meta.get("uid", "")
    return ref


class EventRecorder:
    """Writes Event objects into the store on behalf of one component."""

    def __init__(self, store: Store, component: str, host: str | None = None) -> None:
        self.store = store
        self.component = component
        self.host = host
        self._index: dict[tuple[str, ...], tuple[str, str]] = {}

    def event(self, obj: Mapping[str, Any], type_: str, reason: str, message: str, *,
              field_path: str | None = None) -> None:
        """Record ``reason``/``message`` about ``obj`` (``type_`` is ``Normal`` or ``Warning``)."""
        ref = involved_ref(obj, field_path)
        ns = ref.get("namespace") or "default"
        key = (self.component, self.host or "", ref["kind"], ns, ref["name"], ref["uid"], type_, reason,
               message, field_path or "")
        now = self.store.timestamp()
        existing = self._index.get(key)
        if existing is not None:
            cur = self.store.try_get("Event", existing[1], existing[0])
            if cur is not None:
                body = dict(cur)
                body["count"] = int(body.get("count", 1)) + 1
                body["lastTimestamp"] = now
                body["involvedObject"] = ref
                try:
                    self.store.replace_trusted("Event", body)
                except ApiError:
                    pass
                return
        # Unique across recorders: the resourceVersion this Event is about to get.
        nanos = int(self.store.now().timestamp()) * 1_000_000_000 + self.store.resource_version + 1
        name = f"{ref['name']}.{nanos:x}"
        if len(name) > 253:
            return  # the API server would refuse it (the name is too long); client-go drops the event
        source: dict[str, Any] = {"component": self.component}
        if self.host:
            source["host"] = self.host
        body = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": self.host or "",
        }
        try:
            self.store.create_trusted("Event", body, ns)
        except ApiError:
            return
        self._index[key] = (body["metadata"]["namespace"], name)
