"""The REST verbs of the served API, as synchronous functions of the store and one request.

Paths are parsed into a :class:`Target`; bodies are decoded with the API server's error texts;
each verb returns ``(HTTP code, body)``. Every refusal is an :class:`~simk8s.api.errors.ApiError`
raised before the store changes (the store's pipeline refuses whole requests). Streaming verbs
(watch, log follow, exec) live in their own modules.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

import simk8s.serve.protobuf as protobuf
from simk8s.api import patch as patches
from simk8s.api.crd.definition import CustomKind
from simk8s.api.errors import (
    BadRequest,
    Conflict,
    Invalid,
    MethodNotAllowed,
    NotFound,
    UnsupportedMediaType,
)
from simk8s.api.frozen import FrozenDict
from simk8s.api.kinds import Kind
from simk8s.api.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from simk8s.api.strategy import has_scale, has_status, scale_of
from simk8s.store import Store

__all__ = [
    "NOT_FOUND",
    "PATCH_TYPES",
    "Target",
    "decode_body",
    "list_body",
    "list_objects",
    "parse_resource_path",
    "patch_type_of",
    "selectors_of",
    "verb",
]

NOT_FOUND = "the server could not find the requested resource"

PATCH_TYPES = {
    "application/strategic-merge-patch+json": "strategic",
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply-cbor",
}
_ACCEPTED_PATCHES = ("application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                     "application/strategic-merge-patch+json")


@dataclass(frozen=True)
class Target:
    """What a resource path names: a kind, a namespace (None: all / cluster-scoped), an object
    name and a subresource."""

    kind: Kind
    namespace: str | None
    name: str | None = None
    sub: str | None = None


def parse_resource_path(rest: Sequence[str], by_plural: Mapping[str, Kind]) -> Target:
    """``[namespaces/NS/]PLURAL[/NAME[/SUB]]`` below a group version; NotFound otherwise."""
    namespace = None
    parts = list(rest)
    if len(parts) >= 3 and parts[0] == "namespaces" and parts[2] not in ("status", "finalize"):
        namespace, parts = parts[1], parts[2:]
    if not parts or len(parts) > 3 or any(not p for p in parts):
        raise NotFound(NOT_FOUND)
    k = by_plural.get(parts[0])
    if k is None or (namespace is not None and not k.namespaced):
        raise NotFound(NOT_FOUND)
    name = parts[1] if len(parts) > 1 else None
    sub = parts[2] if len(parts) > 2 else None
    if name is not None and k.namespaced and namespace is None:
        raise NotFound(NOT_FOUND)
    return Target(k, namespace, name, sub)


# ------------------------------------------------------------------------------------ bodies
def decode_body(raw: bytes, content_type: str, kind: Kind | None = None) -> Any:
    """A request body as JSON-shaped data: JSON, or YAML for ``application/yaml`` and apply patches."""
    if "protobuf" in content_type:
        return protobuf.decode(raw)
    if "cbor" in content_type:
        raise UnsupportedMediaType("the body of the request was in an unknown format - accepted media types "
                                   "include: application/json, application/yaml")
    if not raw.strip():
        raise BadRequest("the body of the request was empty")
    text = raw.decode("utf-8", errors="replace")
    if "yaml" in content_type:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise BadRequest(f"error converting YAML to JSON: {_one_line(str(e))}") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        what = f"{kind.kind} in version \"{kind.version}\" cannot be handled as a {kind.kind}: " if kind else ""
        raise BadRequest(f"{what}json parse error: {_one_line(str(e))}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _object_body(body: Any, what: str = "object") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest(f"the body of the request must be a JSON {what}, not {type(body).__name__}")
    return body


# ---------------------------------------------------------------------------------- selectors
def selectors_of(kind: Kind, query: Mapping[str, str]) -> tuple[LabelSelector | None, FieldSelector | None]:
    label = query.get("labelSelector") or ""
    field = query.get("fieldSelector") or ""
    lsel = parse_label_selector(label) if label else None
    fsel = parse_field_selector(field, kind.kind) if field else None
    return lsel, fsel


def _matches(obj: Any, lsel: LabelSelector | None, fsel: FieldSelector | None) -> bool:
    if lsel is not None and not lsel.matches(obj["metadata"].get("labels") or {}):
        return False
    return fsel is None or fsel.matches(obj)


# -------------------------------------------------------------------------------------- lists
def _continue_token(rv: int, key: tuple[str, str]) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": f"{key[0]}\x00{key[1]}"}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _continue_start(token: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        ns, _, name = str(data["start"]).partition("\x00")
        return ns, name
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
                         ) from None


def list_objects(store: Store, t: Target, query: Mapping[str, str]) -> tuple[list[FrozenDict], str, str, int]:
    """The objects a list request selects: ``(page, resourceVersion, continue token, remaining)``."""
    lsel, fsel = selectors_of(t.kind, query)
    objs = store.list(t.kind, t.namespace if t.kind.namespaced else None, selector=lsel, field_selector=fsel)
    rv = store.resource_version
    token = query.get("continue") or ""
    if token:
        start = _continue_start(token)
        objs = [o for o in objs if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > start]
    limit_text = query.get("limit") or ""
    try:
        limit = int(limit_text) if limit_text else 0
    except ValueError:
        raise BadRequest(f'strconv.ParseInt: parsing "{limit_text}": invalid syntax') from None
    if limit > 0 and len(objs) > limit:
        last = objs[limit - 1]["metadata"]
        return objs[:limit], str(rv), _continue_token(rv, (last.get("namespace", ""), last["name"])), \
            len(objs) - limit
    return objs, str(rv), "", 0


def list_body(t: Target, objs: Sequence[Any], rv: str, token: str, remaining: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"resourceVersion": rv}
    if token:
        meta["continue"] = token
        meta["remainingItemCount"] = remaining
    return {"kind": f"{t.kind.kind}List", "apiVersion": t.kind.api_version, "metadata": meta, "items": list(objs)}


# ---------------------------------------------------------------------------------- the verbs
def _dry_run(query: Mapping[str, str]) -> bool:
    value = query.get("dryRun")
    if value and value != "All":
        raise BadRequest(f'Invalid dry run value: {value}')
    return bool(value)


def _patched(base: Any, body: Any, patch_type: str, kind_name: str) -> Any:
    try:
        if patch_type == "merge":
            return patches.merge_patch(base, body)
        if patch_type == "json":
            return patches.json_patch(base, body)
        return patches.strategic_merge_patch(base, body, kind_name)
    except patches.PatchError as e:
        raise patches.server_error(e, patch_type) from None


def patch_type_of(content_type: str, kind: Kind) -> str:
    media = content_type.split(";")[0].strip()
    patch_type = PATCH_TYPES.get(media)
    accepted = _ACCEPTED_PATCHES
    if isinstance(kind, CustomKind):    # custom resources have no strategic merge patch
        accepted = accepted.removesuffix(", application/strategic-merge-patch+json")
    if patch_type is None or patch_type == "apply-cbor" or (patch_type == "strategic" and accepted != _ACCEPTED_PATCHES):
        raise UnsupportedMediaType(f"the body of the request was in an unknown format - accepted media types "
                                   f"include: {accepted}")
    return patch_type


def _delete_options(body: Any, query: Mapping[str, str]) -> tuple[int | None, str | None, Mapping[str, Any]]:
    opts = body if isinstance(body, dict) else {}
    grace: Any = opts.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
    if grace is not None:
        try:
            grace = int(grace)
        except (TypeError, ValueError):
            raise BadRequest(f"invalid gracePeriodSeconds: {grace!r}") from None
    policy = opts.get("propagationPolicy", query.get("propagationPolicy"))
    if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
        raise Invalid("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: "
                      f"\"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                      details={"kind": "DeleteOptions", "group": "meta.k8s.io", "causes": [
                          {"reason": "FieldValueNotSupported", "field": "propagationPolicy",
                           "message": f'Unsupported value: "{policy}"'}]})
    pre = opts.get("preconditions") or {}
    return grace, policy, pre if isinstance(pre, dict) else {}


def _delete_one(store: Store, kind: Kind, name: str, ns: str | None, grace: int | None, policy: str | None,
                pre: Mapping[str, Any], dry_run: bool) -> Any:
    old = store.get(kind, name, ns)
    want_rv = pre.get("resourceVersion")
    if want_rv and want_rv != old["metadata"]["resourceVersion"]:
        raise Conflict.for_object(kind, name, f"Precondition failed: ResourceVersion in precondition: {want_rv}, "
                                              f"ResourceVersion in object meta: {old['metadata']['resourceVersion']}")
    out = store.delete(kind, name, ns, grace_period=grace, propagation=policy, uid=pre.get("uid") or None,
                       dry_run=dry_run)
    return out if out is not None else old


def verb(store: Store, method: str, t: Target, query: Mapping[str, str], body: Callable[[], Any],
         content_type: str) -> tuple[int, Any]:
    """One non-streaming request on a resource path; ``body()`` decodes the request body."""
    k = t.kind
    ns = t.namespace
    if t.sub is not None:
        return _subresource(store, method, t, query, body, content_type)
    if t.name is None:
        if method == "GET":
            objs, rv, token, remaining = list_objects(store, t, query)
            return 200, list_body(t, objs, rv, token, remaining)
        if method == "POST":
            if k.namespaced and ns is None:
                raise NotFound(NOT_FOUND)
            obj = _object_body(body())
            return 201, store.create(k, obj, ns, dry_run=_dry_run(query))
        if method == "DELETE":
            grace, policy, pre = _delete_options(_optional(body), query)
            dry = _dry_run(query)
            objs, rv, _, _ = list_objects(store, t, {**query, "limit": "", "continue": ""})
            gone = []
            for o in objs:
                try:
                    gone.append(_delete_one(store, k, o["metadata"]["name"], o["metadata"].get("namespace"),
                                            grace, policy, pre, dry))
                except NotFound:
                    continue
            return 200, list_body(t, gone, str(store.resource_version), "", 0)
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    name = t.name
    if method == "GET":
        return 200, store.get(k, name, ns)
    if method == "PUT":
        obj = _object_body(body())
        meta = obj.setdefault("metadata", {}) if isinstance(obj.get("metadata", {}), dict) else None
        if meta is None:
            raise BadRequest("metadata must be an object")
        if meta.get("name", name) != name:
            raise BadRequest(f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                             f"({name})")
        if k.namespaced and meta.get("namespace", ns) != ns:
            raise BadRequest("the namespace of the provided object does not match the namespace sent on the "
                             "request")
        meta["name"] = name
        if k.namespaced:
            meta["namespace"] = ns
        return 200, store.update(k, obj, dry_run=_dry_run(query))
    if method == "PATCH":
        return _patch(store, t, query, body, content_type)
    if method == "DELETE":
        grace, policy, pre = _delete_options(_optional(body), query)
        return 200, _delete_one(store, k, name, ns, grace, policy, pre, _dry_run(query))
    raise MethodNotAllowed("the server does not allow this method on the requested resource")


def _optional(body: Callable[[], Any]) -> Any:
    try:
        return body()
    except BadRequest as e:
        if e.message == "the body of the request was empty":
            return None
        raise


def _patch(store: Store, t: Target, query: Mapping[str, str], body: Callable[[], Any],
           content_type: str) -> tuple[int, Any]:
    k, name = t.kind, t.name or ""
    patch_type = patch_type_of(content_type, k)
    dry = _dry_run(query)
    doc = body()
    if patch_type == "apply":
        if not query.get("fieldManager"):
            raise BadRequest("PATCH, application/apply-patch+yaml requests must supply a fieldManager")
        obj = _object_body(doc)
        if store.try_get(k, name, t.namespace) is None:
            meta = obj.setdefault("metadata", {})
            meta.setdefault("name", name)
            return 201, store.create(k, obj, t.namespace, dry_run=dry)
        patch_type = "strategic"
    if patch_type == "json" and not isinstance(doc, list):
        raise BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    if patch_type != "json":
        _object_body(doc)
    return 200, store.patch(k, name, doc, t.namespace, patch_type=patch_type, dry_run=dry)


def _subresource(store: Store, method: str, t: Target, query: Mapping[str, str], body: Callable[[], Any],
                 content_type: str) -> tuple[int, Any]:
    k, name, ns, sub = t.kind, t.name or "", t.namespace, t.sub
    if sub == "status" and has_status(k):
        if method == "GET":
            return 200, store.get(k, name, ns)
        if method == "PUT":
            obj = _object_body(body())
            obj.setdefault("metadata", {})["name"] = name
            return 200, store.update(k, obj, subresource="status", dry_run=_dry_run(query))
        if method == "PATCH":
            patch_type = patch_type_of(content_type, k)
            doc = body()
            if patch_type == "apply":
                patch_type = "merge"
            return 200, store.patch(k, name, doc, ns, patch_type=patch_type, subresource="status",
                                    dry_run=_dry_run(query))
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    if sub == "scale" and has_scale(k):
        obj = store.get(k, name, ns)
        if method == "GET":
            return 200, scale_of(obj, k)
        if method in ("PUT", "PATCH"):
            scale = scale_of(obj, k)
            if method == "PUT":
                new = _object_body(body())
                want = (new.get("metadata") or {}).get("resourceVersion")
                if want and want != obj["metadata"]["resourceVersion"]:
                    raise Conflict.for_object(k, name)
            else:
                patch_type = patch_type_of(content_type, k)
                new = _patched(scale, body(), "merge" if patch_type == "apply" else patch_type, "Scale")
            replicas = (new.get("spec") or {}).get("replicas") if isinstance(new, dict) else None
            if not isinstance(replicas, int) or isinstance(replicas, bool):
                raise BadRequest(f"Scale.autoscaling/v1 spec.replicas must be an integer, not {replicas!r}")
            if _dry_run(query):
                return 200, {**scale, "spec": {"replicas": replicas}}
            return 200, scale_of(store.scale(k, name, replicas, ns), k)
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    if sub == "eviction" and k.kind == "Pod" and method == "POST":
        ev = _object_body(body())
        grace, policy, pre = _delete_options(ev.get("deleteOptions") or {}, {})
        _delete_one(store, k, name, ns, grace, policy, pre, _dry_run(query))
        return 201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    if sub == "binding" and k.kind == "Pod" and method == "POST":
        b = _object_body(body())
        node = (b.get("target") or {}).get("name")
        if not node:
            raise Invalid("Binding.meta.k8s.io is invalid: target.name: Required value")
        store.bind(name, ns or "default", node)
        return 201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    raise NotFound(NOT_FOUND)

