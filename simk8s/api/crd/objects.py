"""Custom resources: the API server's strategy for objects of a :class:`CustomKind` (decoding
with pruning and defaults, the scale subresource; validation:
:mod:`simk8s.api.validation.apiextensions`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.crd import schema as structural
from simk8s.api.crd.definition import CustomKind
from simk8s.api.selectors import from_api

__all__ = ["decode_custom", "get_path", "scale_of_custom", "set_path"]


def decode_custom(k: CustomKind, body: dict[str, Any]) -> list[str]:
    """Prune and default a thawed request body in place; the unknown field paths it had."""
    unknown = structural.prune(body, k.schema)
    structural.default(body, k.schema)
    return unknown


def _parts(path: str) -> list[str]:
    return [p for p in path.lstrip(".").split(".") if p]


def get_path(obj: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """The value at a simple JSON path (``.spec.replicas``): (found, value)."""
    cur: Any = obj
    for part in _parts(path):
        if not isinstance(cur, Mapping) or part not in cur:
            return False, None
        cur = cur[part]
    return True, cur


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = _parts(path)
    cur = obj
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = cur[part] = {}
        cur = nxt
    cur[parts[-1]] = value


def scale_of_custom(k: CustomKind, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 Scale of a custom resource, from its CRD's scale paths."""
    assert k.scale_subresource is not None
    spec_path, status_path, selector_path = k.scale_subresource
    meta = obj["metadata"]
    _, replicas = get_path(obj, spec_path)
    _, observed = get_path(obj, status_path)
    out: dict[str, Any] = {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {key: meta[key] for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if key in meta},
        "spec": {"replicas": replicas if isinstance(replicas, int) else 0},
        "status": {"replicas": observed if isinstance(observed, int) else 0},
    }
    if selector_path:
        found, selector = get_path(obj, selector_path)
        if found and isinstance(selector, str):
            out["status"]["selector"] = selector
        elif found and isinstance(selector, Mapping):
            out["status"]["selector"] = str(from_api(selector))
    return out
