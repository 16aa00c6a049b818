"""Client-side operations shared by ``Cluster`` and the kubectl emulation.

``kubectl apply``'s create-or-three-way-merge with the last-applied annotation lives here, so
``Cluster.apply`` and ``kubectl apply -f`` behave identically.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import simk8s.api.kinds as kinds
from simk8s.api.crd.definition import CustomKind
from simk8s.api.decode import DecodeError, TooLarge, check_tree
from simk8s.api.errors import ApiError, BadRequest, Invalid, RequestEntityTooLarge
from simk8s.api.frozen import thaw
from simk8s.api.kinds import Kind, UnknownKind
from simk8s.api.limits import MAX_BYTES
from simk8s.api.manifest import load_manifests, load_path
from simk8s.api.patch import (
    LAST_APPLIED,
    PatchError,
    create_three_way_merge_patch,
    last_applied_configuration,
)
from simk8s.api.yamlio import encode_json
from simk8s.store import Store

__all__ = ["ApplyError", "apply_object", "apply_objects", "objects_from"]



class ApplyError(Exception):
    """A client-side failure, printed by kubectl as ``error: ...``."""


def objects_from(source: Any) -> list[tuple[str, dict[str, Any]]]:
    """(source name, object) pairs from YAML/JSON text, a path, a dict, or a list of those."""
    if isinstance(source, Mapping):
        return [("-", dict(source))]    # apply_object copies it deeply once it knows it is not too deep
    if isinstance(source, (list, tuple)):
        out: list[tuple[str, dict[str, Any]]] = []
        for item in source:
            out.extend(objects_from(item))
        return out
    if isinstance(source, Path):
        return [(src, obj) for src, obj in load_path(str(source))]
    if isinstance(source, str):
        if "\n" not in source and ":" not in source and Path(source).exists():
            return [(src, obj) for src, obj in load_path(source)]
        return [("-", obj) for obj in load_manifests(source)]
    raise TypeError(f"cannot read objects from {type(source).__name__}")


def _kind_of(registry: kinds.Registry, obj: Mapping[str, Any], source: str) -> Kind:
    api_version = obj.get("apiVersion", "")
    kind_name = obj.get("kind", "")
    k = registry.for_api_version(api_version, kind_name) if isinstance(api_version, str) and isinstance(
        kind_name, str) else None
    if k is None:
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        name, ns = meta.get("name", ""), meta.get("namespace", "")
        raise ApplyError(f'resource mapping not found for name: "{name}" namespace: "{ns}" from "{source}": '
                         f'no matches for kind "{kind_name}" in version "{api_version}"\n'
                         f"ensure CRDs are installed first")
    return k


def apply_object(store: Store, obj: Mapping[str, Any], namespace: str | None = None, source: str = "-"
                 ) -> tuple[Kind, str, str]:
    """Apply one object; returns (kind, name, ``created`` | ``configured`` | ``unchanged``)."""
    k = _kind_of(store.kinds, obj, source)
    try:
        check_tree(obj)     # kubectl would send it; the API server refuses it (before we recurse into it)
    except TooLarge:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BYTES}") from None
    except DecodeError as e:
        raise BadRequest(f'{k.kind} in version "{k.version}" cannot be handled as a {k.kind}: {e}') from None
    body = thaw(obj)
    meta = body.setdefault("metadata", {})
    if not isinstance(meta, dict):
        # kubectl reads the name through the unstructured accessors: not a map, no name (the
        # server's decoder would refuse such metadata; kubectl stops before asking it).
        meta = {}
    name = meta.get("name", "")
    if not isinstance(name, str):
        name = ""
    if not name:
        raise ApplyError(f'error when retrieving current configuration of:\nResource: "{k.qualified_resource}", '
                         f'GroupVersionKind: "{k.api_version}, Kind={k.kind}"\nName: "", Namespace: '
                         f'"{namespace or "default"}"\nfrom server for: "{source}": resource name may not be empty')
    if not isinstance(meta.get("namespace", ""), str):
        meta = {**meta, "namespace": ""}
    ns = (meta.get("namespace") or namespace or "default") if k.namespaced else None
    if k.namespaced and namespace and meta.get("namespace") and meta["namespace"] != namespace:
        raise ApplyError(f"the namespace from the provided object \"{meta['namespace']}\" does not match the "
                         f"namespace \"{namespace}\". You must pass '--namespace={meta['namespace']}' to perform "
                         f"this operation.")
    applied = last_applied_configuration(body)
    if not isinstance(meta.get("annotations"), dict):
        meta["annotations"] = {}      # as unstructured.SetAnnotations replaces what is not a map
    meta["annotations"][LAST_APPLIED] = applied
    current = store.try_get(k, name, ns)
    try:
        if current is None:
            store.create(k, body, ns)
            return k, name, "created"
        original_text = (current["metadata"].get("annotations") or {}).get(LAST_APPLIED)
        original = json.loads(original_text) if original_text else None
        try:
            patch = create_three_way_merge_patch(original, body, thaw(current), k.kind)
        except PatchError as e:
            raise ApplyError(f"error when creating patch with:\noriginal:\n{original_text or ''}\nmodified:\n"
                             f"{applied}\ncurrent:\n{encode_json(current)}\nfor: \"{source}\": {e}") from None
        if not patch:
            return k, name, "unchanged"
        # kubectl has no strategic merge patch for a custom resource: it sends a JSON merge patch.
        after = store.patch(k, name, patch, ns, patch_type="merge" if isinstance(k, CustomKind) else "strategic")
        return k, name, "configured" if after is not current else "unchanged"
    except Invalid:
        raise
    except ApiError as e:
        verb = "creating" if current is None else "patching"
        raise e.with_message(f'error when {verb} "{source}": {e.message}') from None


def apply_objects(store: Store, items: list[tuple[str, dict[str, Any]]], namespace: str | None = None
                  ) -> list[tuple[Kind, str, str]]:
    return [apply_object(store, obj, namespace, src) for src, obj in items]


def kind_or_error(resource: str, registry: kinds.Registry = kinds.BUILTIN) -> Kind:
    """Resolve a resource name as kubectl does (against a cluster's ``registry`` of kinds, the
    built-ins when not given), with its error for unknown ones."""
    try:
        return registry.resolve(resource)
    except UnknownKind as e:
        group = f".{e.group}" if e.group else ""
        raise ApplyError(f'the server doesn\'t have a resource type "{e.resource}{group}"') from None
