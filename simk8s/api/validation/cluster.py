"""Cluster-level and bookkeeping kinds: Namespace, Node, Event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.errors import FieldError
from simk8s.api.validation import common, names

__all__ = ["validate_event", "validate_namespace", "validate_node"]

Errors = list[FieldError]

_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _meta(obj: Mapping[str, Any], old: Mapping[str, Any] | None, namespaced: bool,
          name_fn: common.NameFn) -> Errors:
    meta = obj.get("metadata") or {}
    if old is None:
        return common.validate_object_meta(meta, namespaced, name_fn)
    return common.validate_object_meta_update(meta, old.get("metadata") or {})


def validate_namespace(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = _meta(obj, old, False, common.name_is_dns1123_label)
    for i, f in enumerate((obj.get("spec") or {}).get("finalizers") or []):
        errs.extend(_finalizer(f, f"spec.finalizers[{i}]"))
    return errs


def _finalizer(name: str, path: str) -> Errors:
    errs = [FieldError.invalid(path, name, m) for m in names.is_qualified_name(name)]
    if not errs and "/" not in name and name != "kubernetes":
        errs.append(FieldError.invalid(path, name, "name is neither a standard finalizer name nor is it fully "
                                       "qualified"))
    return errs


def validate_node(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = _meta(obj, old, False, common.name_is_dns1123_subdomain)
    seen: set[tuple[str, str]] = set()
    for i, t in enumerate((obj.get("spec") or {}).get("taints") or []):
        p = f"spec.taints[{i}]"
        errs.extend(common.validate_label_name(t.get("key", ""), f"{p}.key"))
        if t.get("value"):
            errs.extend(FieldError.invalid(f"{p}.value", t["value"], m) for m in names.is_label_value(t["value"]))
        errs.extend(common.not_supported(t.get("effect"), _TAINT_EFFECTS, f"{p}.effect"))
        key = (t.get("key", ""), t.get("effect", ""))
        if key in seen:
            errs.append(FieldError.invalid(p, f"{key[0]}:{key[1]}", "taints must be unique by key and effect pair"))
        seen.add(key)
    return errs


def validate_event(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = _meta(obj, old, True, common.name_is_dns1123_subdomain)
    ns = (obj.get("metadata") or {}).get("namespace", "")
    involved = obj.get("involvedObject") or {}
    ins = involved.get("namespace", "")
    if ins and ins != ns:
        errs.append(FieldError.invalid("involvedObject.namespace", ins, "does not match event.namespace"))
    if obj.get("type") not in (None, "", "Normal", "Warning"):
        errs.append(FieldError.not_supported("type", obj.get("type"), ["Normal", "Warning"]))
    return errs
