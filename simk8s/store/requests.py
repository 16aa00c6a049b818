"""How the API server reads a request's body: decoded into the kind's type, fields in Go's order,
the server's own metadata fields kept. Pure functions of the store's write pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.crd.definition import CustomKind
from simk8s.api.crd.objects import decode_custom
from simk8s.api.decode import DecodeError, TooLarge, check_tree, convert, decode, go_v
from simk8s.api.errors import BadRequest, FieldError, Invalid, RequestEntityTooLarge
from simk8s.api.frozen import FrozenDict, thaw
from simk8s.api.kinds import Kind
from simk8s.api.limits import MAX_BYTES
from simk8s.api.schema import OBJECT_META, Struct, strict_decoding_message
from simk8s.api.yamlio import encode_json

__all__ = ["decode_body", "decode_patched", "keep_server_fields", "ordered_meta", "ordered_obj"]

# The order in which the API server (Go's ObjectMeta struct) serialises metadata fields.
_META_ORDER = (
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
)


def ordered_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: meta[k] for k in _META_ORDER if k in meta}
    out.update({k: v for k, v in meta.items() if k not in out})
    return out


def ordered_obj(kind: Kind, obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": kind.api_version, "kind": kind.kind}
    for k, v in obj.items():
        if k not in out:
            out[k] = v
    out["metadata"] = ordered_meta(obj.get("metadata") or {})
    order = ["apiVersion", "kind", "metadata"]
    return {k: out[k] for k in order} | {k: v for k, v in out.items() if k not in order}


def keep_server_fields(meta: dict[str, Any], old: FrozenDict) -> None:
    """Fields the server owns cannot be changed by a client's update."""
    for field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "generation", "namespace", "name"):
        if field in old["metadata"]:
            meta[field] = old["metadata"][field]
        else:
            meta.pop(field, None)


def decode_body(k: Kind, obj: Any) -> dict[str, Any]:
    """A request body as the API server decodes it into the kind's type (a mutable copy):
    BadRequest for a wrong kind or apiVersion, a value of the wrong type or an unknown field
    (strict field validation), 413 past the request size limit."""
    if isinstance(obj, Mapping):
        api_version = obj.get("apiVersion")
        kind_name = obj.get("kind")
        if (kind_name is not None and kind_name != k.kind) or (
                api_version is not None and api_version != k.api_version):
            raise BadRequest(f"the API version in the data ({api_version}) does not match the expected API "
                             f"version ({k.api_version})" if kind_name == k.kind else
                             f"{kind_name} in version \"{k.version}\" cannot be handled as a {k.kind}: "
                             f"the kind in the data does not match the expected kind")
    try:
        body, unknown = _decode_custom(k, obj) if isinstance(k, CustomKind) else decode(k, obj)
    except TooLarge:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BYTES}") from None
    except DecodeError as e:
        raise BadRequest(f'{k.kind} in version "{k.version}" cannot be handled as a {k.kind}: {e}') from None
    if unknown:
        raise BadRequest(strict_decoding_message(k, unknown))
    return body


#: What a custom resource's metadata decodes into (the rest follows its CRD's schema).
_CUSTOM_META = Struct("unstructured.Unstructured", {"metadata": OBJECT_META})


def _decode_custom(k: CustomKind, obj: Any) -> tuple[dict[str, Any], list[str]]:
    """A custom resource as the API server decodes it: metadata as ObjectMeta, the rest pruned to
    the CRD's schema and defaulted; the unknown field paths."""
    check_tree(obj)
    if not isinstance(obj, Mapping):
        raise DecodeError(f"cannot unmarshal {type(obj).__name__} into Go value of type map[string]interface {{}}")
    meta, unknown = decode(_CUSTOM_META, {"metadata": obj.get("metadata") or {}})
    body = thaw(obj)
    body["metadata"] = meta.get("metadata", {})
    unknown += decode_custom(k, body)
    return body, unknown


def decode_patched(k: Kind, new: dict[str, Any], patch: Any, patch_type: str) -> dict[str, Any]:
    """A patch's result decoded into the kind's type, as the API server's patcher does: a
    strategic merge through the unstructured converter, merge and JSON patches through the
    JSON decoder; a failure is a 422 on the field ``patch`` (the patch, or the patched object)."""
    try:
        if isinstance(k, CustomKind):
            out, unknown = _decode_custom(k, new)
        elif patch_type == "strategic":
            out, unknown = convert(k, new)
        else:
            out, unknown = decode(k, new)
    except TooLarge:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BYTES}") from None
    except DecodeError as e:
        shown = go_v(patch) if patch_type == "strategic" else encode_json(new)[:-1]
        raise Invalid.for_patch([FieldError.invalid("patch", shown, str(e))]) from None
    if unknown:
        raise BadRequest(strict_decoding_message(k, unknown))
    return out
