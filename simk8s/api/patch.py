"""Patches, as the API server applies them and as ``kubectl apply`` computes them.

* :func:`merge_patch` — JSON merge patch (RFC 7386, ``kubectl patch --type=merge``).
* :func:`json_patch` — JSON patch (RFC 6902, ``kubectl patch --type=json``).
* :func:`strategic_merge_patch` — Kubernetes strategic merge patch (``kubectl patch``'s default),
  driven by the ``patchStrategy``/``patchMergeKey`` tags of the built-in types.
* :func:`create_three_way_merge_patch` / :func:`apply_patch` — what client-side ``kubectl apply``
  sends: deletions of what the last applied configuration had and the new manifest dropped, plus
  additions and changes of the new manifest against the live object.

Every function is pure: inputs (possibly frozen) are never mutated, results are new plain values.

A JSON patch that does not apply is a :class:`PatchError` carrying evanphx/json-patch's text. The
API server answers it with HTTP 422, reason ``Invalid`` and message :data:`REJECTED_MESSAGE` only
(see :func:`rejected_status`); kubectl prints :data:`KUBECTL_REJECTED`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import yaml

from simk8s.api.errors import ApiError, BadRequest, InternalError, Invalid
from simk8s.api.frozen import thaw
from simk8s.api.manifest import yaml_error_text
from simk8s.api.yamlinput import yaml_to_json
from simk8s.api.yamlio import encode_json, normalize_numbers

__all__ = [
    "KUBECTL_REJECTED",
    "LAST_APPLIED",
    "REJECTED_MESSAGE",
    "PatchError",
    "annotate_last_applied",
    "apply_patch",
    "create_three_way_merge_patch",
    "json_patch",
    "last_applied_configuration",
    "merge_patch",
    "missing_annotation_warning",
    "parse_patch",
    "rejected_status",
    "server_error",
    "strategic_merge_patch",
]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
REJECTED_MESSAGE = "the server rejected our request due to an error in our request"
KUBECTL_REJECTED = f"The request is invalid: {REJECTED_MESSAGE}"


class PatchError(ValueError):
    """A patch that cannot be applied; ``str(err)`` is the patch library's own explanation."""


class _UnknownReason(InternalError):
    """A plain Go error the API server passes through: HTTP 500 with an empty reason."""

    reason = ""


_BAD_REQUEST = frozenset({
    "invalid JSON document", "invalid patch format of primitive list", "invalid patch format of retainKeys",
    "invalid patch format of setElementOrder list", "strategic merge patch format is not supported",
})


def server_error(err: PatchError, patch_type: str) -> ApiError:
    """The API server's answer to a patch of ``patch_type`` (``json``, ``merge``, ``strategic``)
    that raised ``err``: JSON patch failures are a bare 422 (kubectl: :data:`KUBECTL_REJECTED`),
    malformed directives a 400, anything else a 500 carrying the library's text as is
    (kubectl: ``Error from server: map: ... does not contain declared merge key: name``)."""
    if patch_type == "json":
        return Invalid(REJECTED_MESSAGE)
    if str(err) in _BAD_REQUEST:
        return BadRequest(str(err))
    return _UnknownReason(str(err))


def _go_type_name(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    return "map[string]interface {}" if isinstance(value, Mapping) else "<nil>"


def rejected_status(err: PatchError) -> dict[str, Any]:
    """The ``Status`` the API server returns for a JSON patch that does not apply (HTTP 422).

    apiserver builds it with NewGenericServerResponse, which drops the library's explanation:
    kubectl can only print :data:`KUBECTL_REJECTED`.
    """
    return {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": REJECTED_MESSAGE, "reason": "Invalid", "details": {}, "code": 422,
    }


# --------------------------------------------------------------------------------------------
# JSON merge patch (RFC 7386)


def merge_patch(obj: Any, patch: Any) -> Any:
    """Apply an RFC 7386 merge patch: maps merge recursively, ``null`` deletes, all else replaces."""
    return _merge_json(thaw(obj), patch)


def _merge_json(target: Any, patch: Any) -> Any:
    if not isinstance(patch, Mapping):
        return thaw(patch)
    out: dict[str, Any] = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_json(out.get(key), value)
    return out


# --------------------------------------------------------------------------------------------
# JSON patch (RFC 6902), with evanphx/json-patch v4's semantics and messages


class _Missing(Exception):
    """The container along a JSON pointer does not exist (findObject returned nil)."""


def _container(doc: Any, path: str) -> tuple[Any, str]:
    """The container holding the last token of ``path`` and that token (evanphx's findObject)."""
    split = path.split("/")
    if len(split) < 2:
        raise _Missing
    cur = doc
    for part in split[1:-1]:
        token = part.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            nxt = cur.get(token)
        elif isinstance(cur, list):
            try:
                nxt = cur[_array_index(cur, token, len(cur))]
            except PatchError:
                raise _Missing from None
        else:
            raise _Missing
        if not isinstance(nxt, dict | list):
            raise _Missing
        cur = nxt
    return cur, split[-1].replace("~1", "/").replace("~0", "~")


def _array_index(array: list[Any], token: str, size: int) -> int:
    """An index into ``array`` of ``size`` slots; negative indices count from the end (v4 allows it)."""
    try:
        idx = int(token, 10) if token.lstrip("-").isdigit() else int("x")
    except ValueError:
        raise PatchError(f'strconv.Atoi: parsing "{token}": invalid syntax') from None
    if idx >= size or idx < -size:
        raise PatchError(f"Unable to access invalid index: {idx}: invalid index referenced")
    return idx + size if idx < 0 else idx


def _op_add(con: Any, key: str, value: Any) -> None:
    if isinstance(con, dict):
        con[key] = value
        return
    if key == "-":
        con.append(value)
        return
    if not key.lstrip("-").isdigit():
        raise PatchError(f"value was not a proper array index: '{key}': strconv.Atoi: parsing \"{key}\": "
                         "invalid syntax")
    con.insert(_array_index(con, key, len(con) + 1), value)


def _op_remove(con: Any, key: str) -> Any:
    if isinstance(con, dict):
        if key not in con:
            raise PatchError(f"Unable to remove nonexistent key: {key}: missing value")
        return con.pop(key)
    return con.pop(_array_index(con, key, len(con)))


def _op_get(con: Any, key: str) -> Any:
    if isinstance(con, dict):
        return con.get(key)
    return con[_array_index(con, key, len(con))]


def _json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values (``true`` is not ``1``, unlike in Python)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _apply_op(doc: Any, op: Mapping[str, Any]) -> Any:
    kind = op.get("op")
    path = op.get("path")
    value = thaw(op.get("value"))
    if kind not in ("add", "remove", "replace", "move", "copy", "test"):
        raise PatchError(f"Unexpected kind: {kind}")
    if not isinstance(path, str):
        raise PatchError(f"{kind} operation failed to decode path: missing value")
    if kind in ("replace", "test") and path == "":
        if kind == "replace":
            if not isinstance(value, dict | list):
                raise PatchError("replace operation value must be object or array")
            return value
        if not _json_equal(doc, value):
            raise PatchError(f"testing value {path} failed: test failed")
        return doc
    if kind in ("move", "copy"):
        source = op.get("from")
        if not isinstance(source, str):
            raise PatchError(f"{kind} operation failed to decode from: missing value")
        try:
            con, key = _container(doc, source)
        except _Missing:
            raise PatchError(f"{kind} operation does not apply: doc is missing from path: {source}: "
                             "missing value") from None
        where = f"error in move for path: '{key}'" if kind == "move" else f"error in copy for from: '{source}'"
        try:
            moved = _op_remove(con, key) if kind == "move" else copy.deepcopy(_op_get(con, key))
        except PatchError as err:
            raise PatchError(f"{where}: {err}") from None
    try:
        con, key = _container(doc, path)
    except _Missing:
        missing = {"add": f'"{path}"', "remove": f'"{path}"'}.get(kind, path)
        what = {"move": "destination path", "copy": "destination path"}.get(kind, "path")
        text = "is missing path" if kind == "test" else f"doc is missing {what}"
        raise PatchError(f"{kind} operation does not apply: {text}: {missing}: missing value") from None
    try:
        if kind == "add":
            _op_add(con, key, value)
        elif kind == "remove":
            _op_remove(con, key)
        elif kind == "replace":
            if isinstance(con, list):
                try:
                    idx = _array_index(con, key, len(con))
                except PatchError:
                    raise PatchError(f"replace operation does not apply: doc is missing key: {path}: "
                                     "missing value") from None
                con[idx] = value
            else:
                con[key] = value  # v4 quirk: replacing a missing map key adds it
        elif kind == "test":
            actual = _op_get(con, key)
            if not _json_equal(actual, value):
                raise PatchError(f"testing value {path} failed: test failed")
        else:
            _op_add(con, key, moved)
    except PatchError as err:
        if str(err).startswith(("replace operation", "testing value")):
            raise
        prefix = {"add": f"error in add for path: '{path}'", "remove": f"error in remove for path: '{path}'",
                  "replace": f"error in remove for path: '{path}'", "test": f"error in test for path: '{path}'",
                  "move": f"error in move for path: '{path}'",
                  "copy": "error while adding value during copy"}[kind]
        raise PatchError(f"{prefix}: {err}") from None
    return doc


def json_patch(obj: Any, ops: Sequence[Mapping[str, Any]]) -> Any:
    """Apply an RFC 6902 patch: ``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test``.

    Operations apply in order to a copy, with evanphx/json-patch v4's behaviour (the library the
    API server uses): ``-`` appends, negative array indices count from the end, ``replace`` of a
    missing object key adds it. The first failing operation raises :class:`PatchError` with the
    library's text, e.g. ``error in remove for path: '/spec/foo': Unable to remove nonexistent
    key: foo: missing value``.
    """
    doc = thaw(obj)
    for op in ops:
        if not isinstance(op, Mapping):
            raise PatchError("json: cannot unmarshal into Go value of type jsonpatch.Operation")
        doc = _apply_op(doc, op)
    return doc


# --------------------------------------------------------------------------------------------
# Patch metadata of the built-in types (the patchStrategy / patchMergeKey struct tags)


@dataclass(frozen=True)
class _Field:
    sub: str | None = None  # name of the (element) type in _TYPES
    merge: bool = False  # patchStrategy includes "merge"
    key: str | None = None  # patchMergeKey (None for merged primitive lists)
    retain: bool = False  # patchStrategy includes "retainKeys"


_TYPES: dict[str, dict[str, _Field]] = {
    "ObjectMeta": {
        "finalizers": _Field(merge=True),
        "ownerReferences": _Field(merge=True, key="uid"),
    },
    "PodTemplateSpec": {"metadata": _Field("ObjectMeta"), "spec": _Field("PodSpec")},
    "PodSpec": {
        "volumes": _Field(merge=True, key="name", retain=True),
        "initContainers": _Field("Container", True, "name"),
        "containers": _Field("Container", True, "name"),
        "ephemeralContainers": _Field("Container", True, "name"),
        "imagePullSecrets": _Field(merge=True, key="name"),
        "hostAliases": _Field(merge=True, key="ip"),
        "topologySpreadConstraints": _Field(merge=True, key="topologyKey"),
        "resourceClaims": _Field(merge=True, key="name", retain=True),
        "schedulingGates": _Field(merge=True, key="name"),
        # tolerations, readinessGates and everything under affinity are atomic lists.
    },
    "Container": {
        "ports": _Field(merge=True, key="containerPort"),
        "env": _Field(merge=True, key="name"),
        "volumeMounts": _Field(merge=True, key="mountPath"),
        "volumeDevices": _Field(merge=True, key="devicePath"),
    },
    "PodStatus": {
        "conditions": _Field(merge=True, key="type"),
        "podIPs": _Field(merge=True, key="ip"),
        "hostIPs": _Field(merge=True, key="ip"),
    },
    "Conditions": {"conditions": _Field(merge=True, key="type")},
    "WorkloadSpec": {"template": _Field("PodTemplateSpec")},  # volumeClaimTemplates: atomic
    "DeploymentSpec": {"template": _Field("PodTemplateSpec"), "strategy": _Field(retain=True)},
    "ServiceSpec": {"ports": _Field(merge=True, key="port")},
    "NodeSpec": {"podCIDRs": _Field(merge=True)},
    "NodeStatus": {"conditions": _Field(merge=True, key="type"), "addresses": _Field(merge=True, key="type")},
}


def _kind_type(spec: str | None = None, status: str | None = None) -> dict[str, _Field]:
    fields = {"metadata": _Field("ObjectMeta")}
    if spec:
        fields["spec"] = _Field(spec)
    if status:
        fields["status"] = _Field(status)
    return fields


_KIND_TYPES: dict[str, dict[str, _Field]] = {
    "Pod": _kind_type("PodSpec", "PodStatus"),
    "PodTemplate": {"metadata": _Field("ObjectMeta"), "template": _Field("PodTemplateSpec")},
    "StatefulSet": _kind_type("WorkloadSpec", "Conditions"),
    "Deployment": _kind_type("DeploymentSpec", "Conditions"),
    "ReplicaSet": _kind_type("WorkloadSpec", "Conditions"),
    "Service": _kind_type("ServiceSpec", "Conditions"),
    "Node": _kind_type("NodeSpec", "NodeStatus"),
    "PersistentVolumeClaim": _kind_type(None, "Conditions"),
    "Namespace": _kind_type(None, "Conditions"),
}
_NO_FIELDS: dict[str, _Field] = {}
_DEFAULT_KIND = {"metadata": _Field("ObjectMeta")}


def _schema(kind_name: str) -> dict[str, _Field]:
    return _KIND_TYPES.get(kind_name, _DEFAULT_KIND)


def _sub(schema: Mapping[str, _Field], key: str) -> tuple[_Field, dict[str, _Field]]:
    field = schema.get(key, _Field())
    return field, (_TYPES[field.sub] if field.sub else _NO_FIELDS)


# --------------------------------------------------------------------------------------------
# Strategic merge patch: applying

_PATCH = "$patch"
_RETAIN = "$retainKeys"
_DELETE_PRIM = "$deleteFromPrimitiveList/"
_ORDER = "$setElementOrder/"


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
    return _merge_map(thaw(obj), patch, _schema(kind_name))


def _merge_map(original: dict[str, Any], patch: Mapping[str, Any], schema: Mapping[str, _Field]) -> dict[str, Any]:
    """apimachinery's mergeMap with the API server's options (parallel lists merged, nulls dropped)."""
    directive = patch.get(_PATCH)
    if directive == "replace":
        return _strip(patch, schema)
    if directive == "delete":
        return {}
    if directive is not None:
        raise PatchError(f"unknown patch type: {directive} in map: {_go_map(patch)}")
    if _RETAIN in patch:
        keep = patch[_RETAIN]
        if not isinstance(keep, list):
            raise PatchError("invalid patch format of retainKeys")
        for k, v in patch.items():
            if v is not None and not k.startswith((_DELETE_PRIM, _ORDER, "$")) and k not in keep:
                raise PatchError("invalid patch format of retainKeys")
        original = {k: v for k, v in original.items() if k in keep}
    done: set[str] = set()
    for key, order in patch.items():
        if key.startswith(_ORDER):
            name = key[len(_ORDER):]
            merged = _apply_order(original.get(name), patch.get(name), order, schema, name)
            if merged is not None:
                original[name] = merged
            done.add(name)
    for key, value in patch.items():
        if key in done or key in (_PATCH, _RETAIN) or key.startswith(_ORDER):
            continue
        if key.startswith(_DELETE_PRIM):
            name = key[len(_DELETE_PRIM):]
            if isinstance(original.get(name), list) and isinstance(value, list):
                original[name] = [v for v in original[name] if v not in value]
            continue
        field, sub = _sub(schema, key)
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


def _strip(value: Any, schema: Mapping[str, _Field]) -> Any:
    """A patch value taken as is: ``$patch`` elements, other directives and nulls dropped."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if k.startswith("$") or v is None:
                continue
            if isinstance(v, Mapping) and _PATCH in v:
                continue
            out[k] = _strip(v, _sub(schema, k)[1])
        return out
    if isinstance(value, list):
        return [_strip(v, schema) for v in value if not (isinstance(v, Mapping) and _PATCH in v)]
    return value


def _ident(item: Any, key: str | None) -> Any:
    if key is None:
        return item
    return item.get(key) if isinstance(item, Mapping) else None


def _position(items: Sequence[Any], item: Any, key: str | None) -> int:
    wanted = _ident(item, key)
    for i, other in enumerate(items):
        if _ident(other, key) == wanted:
            return i
    return -1


def _normalize(patch_items: list[Any], server_only: list[Any], patch_order: Sequence[Any],
               server_order: Sequence[Any], key: str | None) -> list[Any]:
    """apimachinery's normalizeElementOrder: patch items in patch order, server-only items in
    server order, then interleaved; an item the server does not know goes before the rest."""
    left = sorted(server_only, key=lambda i: _position(server_order, i, key))
    right = sorted(patch_items, key=lambda i: _position(patch_order, i, key))
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
            li = _position(server_order, left[i], key)
            ri = _position(server_order, right[j], key)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _partition(merged: list[Any], by: Sequence[Any], key: str | None) -> tuple[list[Any], list[Any]]:
    inside = [m for m in merged if _position(by, m, key) >= 0]
    outside = [m for m in merged if _position(by, m, key) < 0]
    return inside, outside


def _merge_list(original: list[Any], patch: list[Any], field: _Field,
                sub: Mapping[str, _Field]) -> list[Any]:
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
            if _PATCH not in p:
                items.append(p)
            elif p[_PATCH] == "delete":
                if key not in p:
                    raise PatchError(f"map: {_go_map(p)} does not contain declared merge key: {key}")
                base = [o for o in base if _ident(o, key) != p[key]]
            elif p[_PATCH] == "replace":
                replace_all = True
            elif p[_PATCH] == "merge":
                raise PatchError("merging lists cannot yet be specified in the patch")
            else:
                raise PatchError(f"unknown patch type: {p[_PATCH]} in map: {_go_map(p)}")
        if replace_all:
            return _strip(items, sub)
        merged = list(base)
        for p in items:
            if key not in p:
                raise PatchError(f"map: {_go_map(p)} does not contain declared merge key: {key}")
            at = _position(merged, p, key)
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
    inside, outside = _partition(merged, patch, key)
    return _normalize(inside, outside, patch, server, key)


def _apply_order(current: Any, patch_list: Any, order: Any, schema: Mapping[str, _Field], name: str) -> Any:
    """A ``$setElementOrder/<name>`` directive together with the patch list it orders."""
    field, sub = _sub(schema, name)
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
    inside, outside = _partition(merged, order, field.key)
    return _normalize(inside, outside, order, current if isinstance(current, list) else [], field.key)


# --------------------------------------------------------------------------------------------
# Strategic merge patch: computing (kubectl apply)


@dataclass(frozen=True)
class _Diff:
    ignore_deletions: bool = False
    ignore_changes: bool = False
    retain_keys: bool = False  # build a $retainKeys directive (fields tagged retainKeys)


def _kind_of(v: Any) -> str:
    # Go decodes every JSON number as float64: 1 and 1.0 are the same type and value.
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, Mapping):
        return "map"
    if isinstance(v, list):
        return "list"
    return type(v).__name__


def _diff_maps(original: Mapping[str, Any], modified: Mapping[str, Any], schema: Mapping[str, _Field],
               opts: _Diff) -> dict[str, Any]:
    """apimachinery's diffMaps: the patch that turns ``original`` into ``modified``."""
    patch: dict[str, Any] = {}
    for key, new in modified.items():
        field, sub = _sub(schema, key)
        if key not in original:
            if not opts.ignore_changes:
                patch[key] = thaw(new)
            continue
        old = original[key]
        if _kind_of(old) != _kind_of(new):
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
        patch[_RETAIN] = retain
    return patch


def _go_sort_key(v: Any) -> str:
    # apimachinery sorts by fmt's %v of the value.
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def _diff_lists(name: str, old: list[Any], new: list[Any], field: _Field, sub: Mapping[str, _Field],
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
            out[_DELETE_PRIM + name] = deletions
        if (not opts.ignore_deletions and deletions) or (not opts.ignore_changes and old != new):
            out[_ORDER + name] = thaw(new)
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
        changes += [{key: old_by[k].get(key), _PATCH: "delete"} for k in sorted(old_by) if k not in new_keys]
    same_order = len(old) == len(new) and all(
        _go_sort_key(o.get(key)) == _go_sort_key(n.get(key)) for o, n in zip(old, new, strict=True))
    if changes:
        out[name] = changes
    if (not opts.ignore_changes and (changes or not same_order)) or (not opts.ignore_deletions and changes):
        out[_ORDER + name] = [{key: n.get(key)} for n in new]
    return out


def _go_reflect_type(value: Any) -> str:
    """``reflect.TypeOf(v)`` of an unstructured value, as ``%s`` prints it."""
    if value is None:
        return "%!s(<nil>)"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "[]interface {}" if isinstance(value, list | tuple) else "map[string]interface {}"


def _combine(a: Mapping[str, Any], b: Mapping[str, Any], schema: Mapping[str, _Field]) -> dict[str, Any]:
    """Merge the changes patch ``b`` into the deletions patch ``a`` (mergeMap without parallel lists)."""
    out = dict(a)
    for key, value in b.items():
        field, sub = _sub(schema, key)
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            out[key] = _combine(old, value, sub)
        elif isinstance(old, list) and isinstance(value, list) and field.key and not key.startswith("$"):
            merged = list(old)
            for item in value:
                at = _position(merged, item, field.key)
                if at >= 0:
                    merged[at] = _combine(merged[at], item, sub)
                else:
                    merged.append(item)
            inside, outside = _partition(merged, value, field.key)
            out[key] = _normalize(inside, outside, value, old, field.key)
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
    schema = _schema(kind_name)
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


def parse_patch(text: str) -> Any:
    """Parse a ``kubectl patch -p`` argument: JSON, or YAML converted as sigs.k8s.io/yaml does.

    A syntax error raises :class:`PatchError` worded as kubectl's ``unable to parse "...": yaml: ...``.
    """
    try:
        return normalize_numbers(json.loads(text))
    except ValueError:
        pass
    try:
        return yaml_to_json(text)
    except yaml.YAMLError as err:
        raise PatchError(f"unable to parse {json.dumps(text, ensure_ascii=False)}: {yaml_error_text(err)}") from None
