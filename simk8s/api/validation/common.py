"""Building blocks shared by the per-kind validators: ObjectMeta, labels, selectors, Go renderings.

Paths are dotted strings (``spec.template.metadata.labels``); maps are walked in sorted key order
so that messages are deterministic (Go's map order is random).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import simk8s.api.meta as meta
import simk8s.api.names as names
from simk8s.api.errors import FieldError, GoValue, go_repr, go_string_slice
from simk8s.api.quantity import Quantity

__all__ = [
    "NameFn",
    "go_int_or_string",
    "go_label_selector",
    "go_string_map",
    "immutable",
    "name_is_dns1035_label",
    "name_is_dns1123_label",
    "name_is_dns1123_subdomain",
    "nonnegative",
    "object_meta",
    "validate_annotations",
    "validate_label_selector",
    "validate_labels",
    "validate_object_meta",
    "validate_object_meta_update",
    "validate_port_num_or_name",
]

NameFn = Callable[[str, bool], list[str]]
Errors = list[FieldError]


def _mask_trailing_dash(name: str) -> str:
    # A generateName prefix may end in '-': the random suffix follows it.
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns1123_subdomain(name: str, prefix: bool) -> list[str]:
    return names.is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1123_label(name: str, prefix: bool) -> list[str]:
    return names.is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return names.is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


# --------------------------------------------------------------------------------------------
# Go renderings of bad values


def go_string_map(m: Mapping[str, Any] | None, type_name: str = "map[string]string") -> GoValue:
    if m is None:
        return GoValue(f"{type_name}(nil)")
    inner = ", ".join(f"{go_repr(str(k))}:{go_repr(str(m[k]))}" for k in sorted(m))
    return GoValue(f"{type_name}{{{inner}}}")


def go_int_or_string(v: Any) -> GoValue:
    if isinstance(v, str):
        return GoValue(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_repr(v)}}}")
    return GoValue(f'intstr.IntOrString{{Type:0, IntVal:{int(v or 0)}, StrVal:""}}')


def go_label_selector(sel: Mapping[str, Any]) -> GoValue:
    ml = sel.get("matchLabels")
    exprs = sel.get("matchExpressions")
    if exprs is None:
        ex = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = [
            f"v1.LabelSelectorRequirement{{Key:{go_repr(str(e.get('key', '')))}, "
            f"Operator:{go_repr(str(e.get('operator', '')))}, "
            f"Values:{go_string_slice(e.get('values')).text}}}"
            for e in exprs
        ]
        ex = f"[]v1.LabelSelectorRequirement{{{', '.join(parts)}}}"
    return GoValue(f"v1.LabelSelector{{MatchLabels:{go_string_map(ml).text}, MatchExpressions:{ex}}}")


# --------------------------------------------------------------------------------------------
# Small validators


def nonnegative(value: Any, path: str) -> Errors:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [FieldError.invalid(path, value, "must be greater than or equal to 0")]
    return []


def immutable(new: Any, old: Any, path: str, shown: Any = None) -> Errors:
    if new != old:
        return [FieldError.invalid(path, new if shown is None else shown, "field is immutable")]
    return []


def quantity_or_none(value: Any) -> Quantity | None:
    """The parsed quantity, or None when it does not parse (the caller reports it its own way)."""
    try:
        return Quantity.parse(value)
    except (ValueError, TypeError):
        return None


def validate_label_name(key: str, path: str) -> Errors:
    return [FieldError.invalid(path, key, msg) for msg in names.is_qualified_name(key)]


def validate_labels(labels: Mapping[str, Any] | None, path: str) -> Errors:
    errs: Errors = []
    for k in sorted(labels or {}):
        errs.extend(validate_label_name(k, path))
        v = (labels or {})[k]
        errs.extend(FieldError.invalid(path, v, msg) for msg in names.is_label_value(str(v)))
    return errs


_TOTAL_ANNOTATION_SIZE = 256 * 1024


def validate_annotations(annotations: Mapping[str, Any] | None, path: str) -> Errors:
    errs: Errors = []
    total = 0
    for k in sorted(annotations or {}):
        errs.extend(FieldError.invalid(path, k, msg) for msg in names.is_qualified_name(k.lower()))
        total += len(k) + len(str((annotations or {})[k]))
    if total > _TOTAL_ANNOTATION_SIZE:
        errs.append(
            FieldError("FieldValueTooLong", path, "", f"may not be more than {_TOTAL_ANNOTATION_SIZE} bytes")
        )
    return errs


def validate_label_selector(sel: Mapping[str, Any] | None, path: str) -> Errors:
    """metav1 ValidateLabelSelector, strict about values."""
    if sel is None:
        return []
    errs = validate_labels(sel.get("matchLabels"), f"{path}.matchLabels")
    for i, e in enumerate(sel.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op = e.get("operator", "")
        values = e.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(
                    FieldError.required(f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(
                    FieldError.forbidden(
                        f"{p}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                    )
                )
        else:
            errs.append(FieldError.invalid(f"{p}.operator", op, "not a valid selector operator"))
        errs.extend(validate_label_name(str(e.get("key", "")), f"{p}.key"))
        for j, v in enumerate(values):
            errs.extend(
                FieldError.invalid(f"{p}.values[{j}]", v, msg) for msg in names.is_label_value(str(v))
            )
    return errs


def validate_port_num_or_name(port: Any, path: str) -> Errors:
    if isinstance(port, str):
        return [FieldError.invalid(path, port, msg) for msg in names.is_port_name(port)]
    if isinstance(port, int) and not 1 <= port <= 65535:
        return [FieldError.invalid(path, port, "must be between 1 and 65535, inclusive")]
    return []


def port_range(port: Any, path: str) -> Errors:
    if not isinstance(port, int) or not 1 <= port <= 65535:
        return [FieldError.invalid(path, port, "must be between 1 and 65535, inclusive")]
    return []


def not_supported(value: Any, supported: Iterable[str], path: str, required: bool = True) -> Errors:
    """Required when empty (if ``required``), Unsupported when not one of ``supported``."""
    if value in (None, ""):
        return [FieldError.required(path, "")] if required else []
    if value not in supported:
        return [FieldError.not_supported(path, value, supported)]
    return []


# --------------------------------------------------------------------------------------------
# ObjectMeta


STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})


def kube_finalizer_name(name: str, path: str) -> Errors:
    """A finalizer without a '/' must be one of the standard names."""
    if "/" not in name and name not in STANDARD_FINALIZERS:
        return [
            FieldError.invalid(
                path, name, "name is neither a standard finalizer name nor is it fully qualified"
            )
        ]
    return []


def validate_object_meta(
    meta: Mapping[str, Any], namespaced: bool, name_fn: NameFn, path: str = "metadata"
) -> Errors:
    errs: Errors = []
    name = meta.get("name") or ""
    generate = meta.get("generateName") or ""
    if generate:
        errs.extend(FieldError.invalid(f"{path}.generateName", generate, m) for m in name_fn(generate, True))
    if not name:
        errs.append(FieldError.required(f"{path}.name", "name or generateName is required"))
    else:
        errs.extend(FieldError.invalid(f"{path}.name", name, m) for m in name_fn(name, False))
    ns = meta.get("namespace") or ""
    if namespaced:
        if not ns:
            errs.append(FieldError.required(f"{path}.namespace", ""))
        else:
            errs.extend(FieldError.invalid(f"{path}.namespace", ns, m) for m in names.is_dns1123_label(ns))
    elif ns:
        errs.append(FieldError.forbidden(f"{path}.namespace", "not allowed on this type"))
    errs.extend(nonnegative(meta.get("generation", 0), f"{path}.generation"))
    errs.extend(validate_labels(meta.get("labels"), f"{path}.labels"))
    errs.extend(validate_annotations(meta.get("annotations"), f"{path}.annotations"))
    errs.extend(_validate_owner_references(meta.get("ownerReferences") or [], f"{path}.ownerReferences"))
    for f in meta.get("finalizers") or []:
        errs.extend(FieldError.invalid(f"{path}.finalizers", f, m) for m in names.is_qualified_name(f))
    for f in meta.get("finalizers") or []:
        errs.extend(kube_finalizer_name(f, f"{path}.finalizers"))
    return errs


def _validate_owner_references(refs: Sequence[Mapping[str, Any]], path: str) -> Errors:
    # Upstream reports each reference's problems under the list's path, without an index.
    errs: Errors = []
    first_controller = ""
    for ref in refs:
        version = str(ref.get("apiVersion") or "").rpartition("/")[2]
        if not version:
            errs.append(
                FieldError.invalid(
                    f"{path}.apiVersion", ref.get("apiVersion", ""), "version must not be empty"
                )
            )
        for key in ("kind", "name", "uid"):
            if not ref.get(key):
                errs.append(FieldError.invalid(f"{path}.{key}", ref.get(key, ""), "must not be empty"))
        if ref.get("apiVersion") == "v1" and ref.get("kind") == "Event":
            errs.append(
                FieldError.invalid(
                    path,
                    GoValue("v1.OwnerReference{...}"),
                    "/v1, Kind=Event is disallowed from being an owner",
                )
            )
        if ref.get("controller"):
            name = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if first_controller:
                errs.append(
                    FieldError.invalid(
                        path,
                        GoValue("[]v1.OwnerReference{...}"),
                        'Only one reference can have Controller set to true. Found "true" '
                        f"in references for {first_controller} and {name}",
                    )
                )
            else:
                first_controller = name
    return errs


def validate_object_meta_update(
    new: Mapping[str, Any], old: Mapping[str, Any], path: str = "metadata"
) -> Errors:
    """ValidateObjectMetaUpdate. Identity fields absent from ``new`` are taken from the stored
    object (as the server's update path does), so only values actually sent are compared."""
    errs: Errors = []
    if old.get("deletionTimestamp"):
        extra = sorted(set(new.get("finalizers") or []) - set(old.get("finalizers") or []))
        if extra:
            errs.append(
                FieldError.forbidden(
                    f"{path}.finalizers",
                    "no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {go_string_slice(extra).text}",
                )
            )
    if "generation" in new and (new.get("generation") or 0) < (old.get("generation") or 0):
        errs.append(
            FieldError.invalid(f"{path}.generation", new.get("generation"), "must not be decremented")
        )
    for key in (
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ):
        if new.get(key) not in (None, "") and new.get(key) != old.get(key):
            errs.append(FieldError.invalid(f"{path}.{key}", new.get(key), "field is immutable"))
    errs.extend(validate_labels(new.get("labels"), f"{path}.labels"))
    errs.extend(validate_annotations(new.get("annotations"), f"{path}.annotations"))
    errs.extend(_validate_owner_references(new.get("ownerReferences") or [], f"{path}.ownerReferences"))
    return errs


def object_meta(obj: Mapping[str, Any], old: Mapping[str, Any] | None, namespaced: bool = True,
                name_fn: NameFn = name_is_dns1123_subdomain) -> Errors:
    """The object's metadata errors: ValidateObjectMeta on create, ValidateObjectMetaUpdate on update."""
    if old is None:
        return validate_object_meta(meta.metadata(obj), namespaced, name_fn)
    return validate_object_meta_update(meta.metadata(obj), meta.metadata(old))


def spec_diff(type_name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """A short rendering in the style of go-cmp's ``cmp.Diff`` of two specs' top-level fields.

    The API server appends such a diff to its "may not change" messages; this is a compact
    approximation (field names capitalised as in Go, values as JSON-ish Go literals).
    """
    lines = [f"  {type_name}{{"]
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    same = 0
    for k in keys:
        go_name = k[:1].upper() + k[1:]
        if old.get(k) == new.get(k):
            same += 1
            continue
        if same:
            lines.append(f"  \t... // {same} identical field{'s' if same > 1 else ''}")
            same = 0
        if k in old:
            lines.append(f"- \t{go_name}: {go_repr(old[k])},")
        if k in new:
            lines.append(f"+ \t{go_name}: {go_repr(new[k])},")
    if same:
        lines.append(f"  \t... // {same} identical field{'s' if same > 1 else ''}")
    lines.append("  }")
    return "\n".join(lines) + "\n"
