"""Strategic merge patch as the API server applies it (apimachinery's ``strategicpatch``).

Directives: ``$patch: replace|delete`` (in maps and list elements), ``$retainKeys``,
``$deleteFromPrimitiveList/<key>``, ``$setElementOrder/<key>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simk8s.api.frozen import thaw
from simk8s.api.patch.common import PatchError
from simk8s.api.patch.patchmeta import Field, kind_schema, lookup_field

__all__ = [
    "DELETE_PRIMITIVE",
    "DIRECTIVE",
    "RETAIN_KEYS",
    "SET_ORDER",
    "normalize_order",
    "partition",
    "position",
    "strategic_merge_patch",
]

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"
SET_ORDER = "$setElementOrder/"


def strategic_merge_patch(obj: Mapping[str, Any], patch: Mapping[str, Any], kind_name: str) -> dict[str, Any]:
    """Apply a strategic merge patch to an object of kind ``kind_name`` (``StatefulSet``).

    Lists tagged ``patchStrategy:"merge"`` merge element-wise by their merge key (containers by
    ``name``, ports by ``containerPort``, ...) or, for lists of scalars, as a set; other lists are
    replaced. ``null`` deletes a key. Directives: ``$patch: replace|delete`` (in maps and list
    elements), ``$retainKeys``, ``$deleteFromPrimitiveList/<key>``, ``$setElementOrder/<key>``.
    Items the patch names keep the patch's order; items only the object has keep their place
    around them, and an item new to the list goes before them (apimachinery's mergeSlice).
    Kinds without built-in metadata (custom resources) merge maps and replace lists. A patch that
    cannot apply raises :class:`PatchError` with apimachinery's text.
    """
    if not isinstance(patch, Mapping):
        raise PatchError("strategic merge patch must be a JSON object")
    return _merge_map(thaw(obj), patch, kind_schema(kind_name))


def _merge_map(original: dict[str, Any], patch: Mapping[str, Any], schema: Mapping[str, Field]) -> dict[str, Any]:
    """apimachinery's mergeMap with the API server's options (parallel lists merged, nulls dropped)."""
    directive = patch.get(DIRECTIVE)
    if directive == "replace":
        return _strip(patch, schema)
    if directive == "delete":
        return {}
    if directive is not None:
        raise PatchError(f"unknown patch type: {directive} in map: {_go_map(patch)}")
    if RETAIN_KEYS in patch:
        keep = patch[RETAIN_KEYS]
        if not isinstance(keep, list):
            raise PatchError("invalid patch format of retainKeys")
        for k, v in patch.items():
            if v is not None and not k.startswith((DELETE_PRIMITIVE, SET_ORDER, "$")) and k not in keep:
                raise PatchError("invalid patch format of retainKeys")
        original = {k: v for k, v in original.items() if k in keep}
    done: set[str] = set()
    for key, order in patch.items():
        if key.startswith(SET_ORDER):
            name = key[len(SET_ORDER):]
            merged = _apply_order(original.get(name), patch.get(name), order, schema, name)
            if merged is not None:
                original[name] = merged
            done.add(name)
    for key, value in patch.items():
        if key in done or key in (DIRECTIVE, RETAIN_KEYS) or key.startswith(SET_ORDER):
            continue
        if key.startswith(DELETE_PRIMITIVE):
            name = key[len(DELETE_PRIMITIVE):]
            if isinstance(original.get(name), list) and isinstance(value, list):
                original[name] = [v for v in original[name] if v not in value]
            continue
        field, sub = lookup_field(schema, key)
        old = original.get(key)
        if value is None:
            original.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(old, dict):
            original[key] = _merge_map(old, value, sub)
        elif isinstance(value, list) and isinstance(old, list):
            original[key] = _merge_list(old, value, field, sub)
        else:
            original[key] = _strip(value, sub)
    return original


def _go_map(m: Mapping[str, Any]) -> str:
    """Go's %v of a map, as apimachinery's error messages print patches."""
    inner = " ".join(f"{k}:{_go_map(v) if isinstance(v, Mapping) else v}" for k, v in sorted(m.items()))
    return f"map[{inner}]"


def _strip(value: Any, schema: Mapping[str, Field]) -> Any:
    """A patch value taken as is: ``$patch`` elements, other directives and nulls dropped."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if k.startswith("$") or v is None:
                continue
            if isinstance(v, Mapping) and DIRECTIVE in v:
                continue
            out[k] = _strip(v, lookup_field(schema, k)[1])
        return out
    if isinstance(value, list):
        return [_strip(v, schema) for v in value if not (isinstance(v, Mapping) and DIRECTIVE in v)]
    return value


def _ident(item: Any, key: str | None) -> Any:
    if key is None:
        return item
    return item.get(key) if isinstance(item, Mapping) else None


def position(items: Sequence[Any], item: Any, key: str | None) -> int:
    wanted = _ident(item, key)
    for i, other in enumerate(items):
        if _ident(other, key) == wanted:
            return i
    return -1


def normalize_order(patch_items: list[Any], server_only: list[Any], patch_order: Sequence[Any],
               server_order: Sequence[Any], key: str | None) -> list[Any]:
    """apimachinery's normalizeElementOrder: patch items in patch order, server-only items in
    server order, then interleaved; an item the server does not know goes before the rest."""
    left = sorted(server_only, key=lambda i: position(server_order, i, key))
    right = sorted(patch_items, key=lambda i: position(patch_order, i, key))
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
        elif i >= len(left):
            out.append(right[j])
            j += 1
        else:
            li = position(server_order, left[i], key)
            ri = position(server_order, right[j], key)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def partition(merged: list[Any], by: Sequence[Any], key: str | None) -> tuple[list[Any], list[Any]]:
    inside = [m for m in merged if position(by, m, key) >= 0]
    outside = [m for m in merged if position(by, m, key) < 0]
    return inside, outside


def _merge_list(original: list[Any], patch: list[Any], field: Field,
                sub: Mapping[str, Field]) -> list[Any]:
    """apimachinery's mergeSlice: replace unless the field merges; merged lists keep the patch's
    order for the items it names and slot the others in around them."""
    if not field.merge:
        return _strip(patch, sub)
    if not original and not patch:
        return []
    key = field.key
    if any(isinstance(p, Mapping) for p in [*original, *patch]):
        if key is None:
            raise PatchError("cannot merge lists without merge key")
        base = list(original)
        items: list[Any] = []
        replace_all = False
        for p in patch:
            if not isinstance(p, Mapping):
                raise PatchError(f"unable to find api field in struct for the list element: {p!r}")
            if DIRECTIVE not in p:
                items.append(p)
            elif p[DIRECTIVE] == "delete":
                if key not in p:
                    raise PatchError(f"map: {_go_map(p)} does not contain declared merge key: {key}")
                base = [o for o in base if _ident(o, key) != p[key]]
            elif p[DIRECTIVE] == "replace":
                replace_all = True
            elif p[DIRECTIVE] == "merge":
                raise PatchError("merging lists cannot yet be specified in the patch")
            else:
                raise PatchError(f"unknown patch type: {p[DIRECTIVE]} in map: {_go_map(p)}")
        if replace_all:
            return _strip(items, sub)
        merged = list(base)
        for p in items:
            if key not in p:
                raise PatchError(f"map: {_go_map(p)} does not contain declared merge key: {key}")
            at = position(merged, p, key)
            if at >= 0 and isinstance(merged[at], dict):
                merged[at] = _merge_map(merged[at], p, sub)
            else:
                merged.append(_strip(p, sub))
        server, patch = base, items
    else:
        merged = []
        for v in [*original, *patch]:
            if v not in merged:
                merged.append(v)
        server = original
    inside, outside = partition(merged, patch, key)
    return normalize_order(inside, outside, patch, server, key)


def _apply_order(current: Any, patch_list: Any, order: Any, schema: Mapping[str, Field], name: str) -> Any:
    """A ``$setElementOrder/<name>`` directive together with the patch list it orders."""
    field, sub = lookup_field(schema, name)
    if not isinstance(order, list):
        raise PatchError(f"expected a []interface {{}}, but received a {_go_type_name(order)}")
    if isinstance(current, list) and isinstance(patch_list, list):
        merged = _merge_list(current, patch_list, field, sub)
    elif isinstance(current, list):
        merged = list(current)
    elif isinstance(patch_list, list):
        merged = _strip(patch_list, sub)
    else:
        return current
    inside, outside = partition(merged, order, field.key)
    return normalize_order(inside, outside, order, current if isinstance(current, list) else [], field.key)


def _go_type_name(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    return "map[string]interface {}" if isinstance(value, Mapping) else "<nil>"
