"""Cluster-level and bookkeeping kinds: Namespace, Node, Event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simk8s.api.names as names
import simk8s.api.validation.common as common
from simk8s.api.errors import FieldError, GoValue

__all__ = ["validate_event", "validate_namespace", "validate_node"]

Errors = list[FieldError]

_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")



def validate_namespace(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old, False, common.name_is_dns1123_label)
    for f in (obj.get("spec") or {}).get("finalizers") or []:
        errs.extend(FieldError.invalid("spec.finalizers", f, m) for m in names.is_qualified_name(f))
        errs.extend(common.kube_finalizer_name(f, "spec.finalizers"))
    return errs


def validate_node(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old, False)
    seen: set[tuple[str, str]] = set()
    # Upstream validates spec.taints under the path "metadata.taints".
    for i, t in enumerate((obj.get("spec") or {}).get("taints") or []):
        p = f"metadata.taints[{i}]"
        errs.extend(common.validate_label_name(t.get("key", ""), f"{p}.key"))
        value_errs = names.is_label_value(t.get("value", ""))
        if value_errs:
            errs.append(FieldError.invalid(f"{p}.value", t.get("value", ""), ";".join(value_errs)))
        errs.extend(common.not_supported(t.get("effect"), _TAINT_EFFECTS, f"{p}.effect"))
        key = (t.get("key", ""), t.get("effect", ""))
        if key in seen:
            errs.append(
                FieldError(
                    "FieldValueDuplicate", p, _go_taint(t), "taints must be unique by key and effect pair"
                )
            )
            continue
        seen.add(key)
    return errs


def _go_taint(t: Mapping[str, Any]) -> GoValue:
    return GoValue(
        f'core.Taint{{Key:"{t.get("key", "")}", Value:"{t.get("value", "")}", '
        f'Effect:"{t.get("effect", "")}", TimeAdded:<nil>}}'
    )


def validate_event(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    """core/v1 Events get only the legacy checks (for backwards compatibility upstream): the
    involved object's namespace must agree with the event's, and that namespace is a subdomain."""
    errs: Errors = []
    if old is not None:
        errs.extend(common.validate_object_meta_update(obj.get("metadata") or {}, old.get("metadata") or {}))
    ns = (obj.get("metadata") or {}).get("namespace") or ""
    ins = (obj.get("involvedObject") or {}).get("namespace") or ""
    mismatch = (not ins and ns not in ("", "default")) or (ins and ins != ns)
    if not obj.get("eventTime") and mismatch:
        errs.append(FieldError.invalid("involvedObject.namespace", ins, "does not match event.namespace"))
    errs.extend(FieldError.invalid("namespace", ns, m) for m in names.is_dns1123_subdomain(ns))
    return errs
