"""Client-side ``kubectl apply``: the strategic merge patch it computes and sends.

:func:`create_three_way_merge_patch` holds deletions of what the last applied configuration had and
the new manifest dropped, plus additions and changes of the new manifest against the live object;
:func:`apply_patch` applies it. The last applied configuration lives in the :data:`LAST_APPLIED`
annotation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from simk8s.api.decode import json_kind
from simk8s.api.errors import go_scalar_type
from simk8s.api.frozen import thaw
from simk8s.api.patch.common import PatchError
from simk8s.api.patch.patchmeta import Field, kind_schema, lookup_field
from simk8s.api.patch.strategic import (
    DELETE_PRIMITIVE,
    DIRECTIVE,
    RETAIN_KEYS,
    SET_ORDER,
    normalize_order,
    partition,
    position,
    strategic_merge_patch,
)
from simk8s.api.yamlio import encode_json

__all__ = [
    "LAST_APPLIED",
    "annotate_last_applied",
    "apply_patch",
    "create_three_way_merge_patch",
    "last_applied_configuration",
    "missing_annotation_warning",
]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class _Diff:
    ignore_deletions: bool = False
    ignore_changes: bool = False
    retain_keys: bool = False  # build a $retainKeys directive (fields tagged retainKeys)


def _diff_maps(original: Mapping[str, Any], modified: Mapping[str, Any], schema: Mapping[str, Field],
               opts: _Diff) -> dict[str, Any]:
    """apimachinery's diffMaps: the patch that turns ``original`` into ``modified``."""
    patch: dict[str, Any] = {}
    for key, new in modified.items():
        field, sub = lookup_field(schema, key)
        if key not in original:
            if not opts.ignore_changes:
                patch[key] = thaw(new)
            continue
        old = original[key]
        if json_kind(old) != json_kind(new):  # Go decodes every JSON number as float64
            if not opts.ignore_changes:
                patch[key] = thaw(new)
        elif isinstance(old, Mapping):
            inner = _diff_maps(old, new, sub, replace(opts, retain_keys=field.retain))
            if inner:
                patch[key] = inner
        elif isinstance(old, list) and field.merge:
            patch.update(_diff_lists(key, old, new, field, sub, replace(opts, retain_keys=field.retain)))
        elif old != new and not opts.ignore_changes:
            patch[key] = thaw(new)
    if not opts.ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    retain = sorted(k for k, v in modified.items() if v is not None) if opts.retain_keys else []
    if retain and (patch or any(v is not None and k not in modified for k, v in original.items())):
        patch[RETAIN_KEYS] = retain
    return patch


def _go_sort_key(v: Any) -> str:
    # apimachinery sorts by fmt's %v of the value.
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def _diff_lists(name: str, old: list[Any], new: list[Any], field: Field, sub: Mapping[str, Field],
                opts: _Diff) -> dict[str, Any]:
    """apimachinery's diffLists for one merged list: the changed items, the deletions and the
    ``$setElementOrder`` list (``$deleteFromPrimitiveList`` for lists of scalars)."""
    if not old:
        return {} if not new or opts.ignore_changes else {name: thaw(new)}
    out: dict[str, Any] = {}
    key = field.key
    if key is None or not any(isinstance(v, Mapping) for v in [*old, *new]):
        additions = [] if opts.ignore_changes else [v for v in new if v not in old]
        deletions: list[Any] = []
        if not opts.ignore_deletions:
            for v in sorted((v for v in old if v not in new), key=_go_sort_key):
                if v not in deletions:
                    deletions.append(v)
        if additions:
            out[name] = additions
        if deletions:
            out[DELETE_PRIMITIVE + name] = deletions
        if (not opts.ignore_deletions and deletions) or (not opts.ignore_changes and old != new):
            out[SET_ORDER + name] = thaw(new)
        return out
    for item in (*old, *new):
        if not isinstance(item, Mapping):
            # strategicpatch's validateMergeKeyInLists: mergepatch.ErrBadArgType
            raise PatchError(f"expected a map[string]interface {{}}, but received a {_go_reflect_type(item)}")
    changes: list[Any] = []
    old_by = {_go_sort_key(o.get(key)): o for o in old if isinstance(o, Mapping)}
    new_keys = {_go_sort_key(n.get(key)) for n in new if isinstance(n, Mapping)}
    for n in new:
        k = _go_sort_key(n.get(key))
        if k not in old_by:
            if not opts.ignore_changes:
                changes.append(thaw(n))
            continue
        inner = _diff_maps(old_by[k], n, sub, opts)
        if inner:
            changes.append({**inner, key: n.get(key)})
    if not opts.ignore_deletions:
        changes += [{key: old_by[k].get(key), DIRECTIVE: "delete"}
                    for k in sorted(old_by) if k not in new_keys]
    same_order = len(old) == len(new) and all(
        _go_sort_key(o.get(key)) == _go_sort_key(n.get(key)) for o, n in zip(old, new, strict=True))
    if changes:
        out[name] = changes
    if (not opts.ignore_changes and (changes or not same_order)) or (not opts.ignore_deletions and changes):
        out[SET_ORDER + name] = [{key: n.get(key)} for n in new]
    return out


def _go_reflect_type(value: Any) -> str:
    """``reflect.TypeOf(v)`` of an unstructured value, as ``%s`` prints it."""
    if value is None:
        return "%!s(<nil>)"
    scalar = go_scalar_type(value)
    if scalar is not None:
        return scalar
    return "[]interface {}" if isinstance(value, list | tuple) else "map[string]interface {}"


def _combine(a: Mapping[str, Any], b: Mapping[str, Any], schema: Mapping[str, Field]) -> dict[str, Any]:
    """Merge the changes patch ``b`` into the deletions patch ``a`` (mergeMap without parallel lists)."""
    out = dict(a)
    for key, value in b.items():
        field, sub = lookup_field(schema, key)
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            out[key] = _combine(old, value, sub)
        elif isinstance(old, list) and isinstance(value, list) and field.key and not key.startswith("$"):
            merged = list(old)
            for item in value:
                at = position(merged, item, field.key)
                if at >= 0:
                    merged[at] = _combine(merged[at], item, sub)
                else:
                    merged.append(item)
            inside, outside = partition(merged, value, field.key)
            out[key] = normalize_order(inside, outside, value, old, field.key)
        elif isinstance(old, list) and isinstance(value, list) and field.merge and not key.startswith("$"):
            out[key] = old + [v for v in value if v not in old]
        else:
            out[key] = value
    return out


def create_three_way_merge_patch(original: Mapping[str, Any] | None, modified: Mapping[str, Any],
                                 current: Mapping[str, Any], kind_name: str) -> dict[str, Any]:
    """The strategic merge patch ``kubectl apply`` sends (apimachinery's CreateThreeWayMergePatch).

    ``original`` is the last applied configuration (or None), ``modified`` the new manifest,
    ``current`` the live object. Fields that ``original`` had and ``modified`` dropped are deleted
    (``null``, ``$patch: delete``, ``$deleteFromPrimitiveList/…``); fields of ``modified`` that
    differ from ``current`` are set; merged lists carry ``$setElementOrder/…``. Fields only the
    live object has (set by controllers or defaulting) are left alone. ``{}`` means no change.
    """
    schema = kind_schema(kind_name)
    delta = _diff_maps(current, modified, schema, _Diff(ignore_deletions=True))
    deletions = _diff_maps(original or {}, modified, schema, _Diff(ignore_changes=True))
    return _combine(deletions, delta, schema)


def last_applied_configuration(manifest: Mapping[str, Any]) -> str:
    """The ``last-applied-configuration`` annotation value kubectl stores for ``manifest``.

    Compact JSON with sorted keys, HTML-escaped and newline-terminated, as Go's json.Encoder
    writes it; the manifest's own annotations appear without this one (``"annotations":{}`` when
    it had none).
    """
    obj = thaw(manifest)
    meta = obj.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations
    return encode_json(obj)


def missing_annotation_warning(plural: str, name: str) -> str:
    """What ``kubectl apply`` prints on stderr when the live object has no last-applied annotation."""
    return (f"Warning: resource {plural}/{name} is missing the {LAST_APPLIED} annotation which is required by "
            "kubectl apply. kubectl apply should only be used on resources created declaratively by either "
            "kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.")


def annotate_last_applied(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``manifest`` carrying its own last-applied-configuration annotation, as
    ``kubectl apply`` creates objects that do not exist yet."""
    out = thaw(manifest)
    meta = out.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations[LAST_APPLIED] = last_applied_configuration(manifest)
    meta["annotations"] = annotations
    return out


def apply_patch(live: Mapping[str, Any], last_applied: Mapping[str, Any] | str | None,
                new: Mapping[str, Any], kind_name: str) -> tuple[dict[str, Any], bool]:
    """Client-side ``kubectl apply`` of ``new`` over ``live``: ``(patched object, changed)``.

    ``last_applied`` is the previous configuration (the annotation's JSON text, its parsed value,
    or None when the object was not created by apply). The new manifest is annotated with its own
    last-applied configuration first, as kubectl does. ``changed`` is False exactly when the
    computed patch is ``{}`` (kubectl then prints ``unchanged``, otherwise ``configured``).
    """
    modified = annotate_last_applied(new)
    original = json.loads(last_applied) if isinstance(last_applied, str) else last_applied
    patch = create_three_way_merge_patch(original, modified, live, kind_name)
    if not patch:
        return thaw(live), False
    return strategic_merge_patch(live, patch, kind_name), True
