"""Custom resources: the API server's strategy for objects of a :class:`CustomKind` (decoding
with pruning and defaults, validation, the status and scale subresources)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.crd import schema as structural
from simk8s.api.crd.definition import CustomKind
from simk8s.api.errors import FieldError
from simk8s.api.selectors import from_api
from simk8s.api.validation import common
from simk8s.api.yamlio import encode_json

__all__ = ["decode_custom", "get_path", "scale_of_custom", "set_path", "validate_custom"]


def decode_custom(k: CustomKind, body: dict[str, Any]) -> list[str]:
    """Prune and default a thawed request body in place; the unknown field paths it had."""
    unknown = structural.prune(body, k.schema)
    structural.default(body, k.schema)
    return unknown


def validate_custom(k: CustomKind, obj: Mapping[str, Any], old: Mapping[str, Any] | None = None) -> list[FieldError]:
    """ObjectMeta, then the schema, then the scale subresource's replicas paths
    (customResourceValidator.Validate)."""
    meta = obj.get("metadata") or {}
    if old is None:
        errs = common.validate_object_meta(meta, k.namespaced, common.name_is_dns1123_subdomain)
    else:
        errs = common.validate_object_meta_update(meta, old.get("metadata") or {})
    errs.extend(structural.validate(obj, k.schema))
    if k.scale_subresource is not None:
        for path in k.scale_subresource[:2]:
            errs.extend(_replicas_errors(obj, path))
    return errs


_GO_TYPES = {str: "string", bool: "bool", float: "float64", dict: "map[string]interface {}",
             list: "[]interface {}"}


def _replicas_errors(obj: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateScaleSpec / ValidateScaleStatus: the replicas a scale path names must be an int32."""
    found, value = get_path(obj, path)
    if not found or value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool):
        shown = value if isinstance(value, str) else encode_json(value).rstrip("\n")
        return [FieldError.invalid(path, 0, f"{path} accessor error: {shown} is of the type "
                                            f"{_GO_TYPES.get(type(value), 'interface {}')}, expected int64")]
    if value < 0:
        return [FieldError.invalid(path, value, "should be a non-negative integer")]
    if value > 2**31 - 1:
        return [FieldError.invalid(path, value, f"should be less than or equal to {2**31 - 1}")]
    return []


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
