"""OpenAPI v2 and v3 documents of the served kinds, around the typed schema's Schema Objects.

What clients use them for:
- ``kubectl apply`` reads ``/openapi/v3``: when a kind's PATCH operation lists the
  ``fieldValidation`` parameter, kubectl leaves validation to the server (which decodes strictly
  and answers unknown fields with the API server's BadRequest) and sends ``fieldValidation=Strict``.
- ``kubectl explain`` walks ``components.schemas`` from the schema carrying the kind's
  ``x-kubernetes-group-version-kind``.

The schemas themselves are :func:`simk8s.api.openapi.openapi_v3_schema` /
``openapi_v2_schema`` (one schema, one place); this module adds the paths, the index and the
document envelopes. Kinds without a typed schema (custom resources) are documented as objects
that keep unknown fields, or by their CRD's own schema when the caller provides one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from simk8s.api.kinds import Kind
from simk8s.api.openapi import openapi_v2_schema, openapi_v3_schema
from simk8s.api.schema import schema_of

__all__ = ["CustomSchema", "schema_name", "v2", "v3_group_version", "v3_index"]

#: A served kind's v3 schema from elsewhere (a CRD's openAPIV3Schema), or None.
CustomSchema = Callable[[Kind], dict[str, Any] | None]


def schema_name(k: Kind) -> str:
    """``io.k8s.api.apps.v1.StatefulSet``, as the API server names its definitions."""
    group = k.group.split(".")[0] if k.group else "core"
    if "." in k.group and not k.group.endswith(".k8s.io"):
        return f"{'.'.join(reversed(k.group.split('.')))}.{k.version}.{k.kind}"
    return f"io.k8s.api.{group}.{k.version}.{k.kind}"


def _schema(k: Kind, v3: bool, custom: CustomSchema | None) -> dict[str, Any]:
    gvk = {"x-kubernetes-group-version-kind": [{"group": k.group, "version": k.version, "kind": k.kind}]}
    extra = custom(k) if custom is not None else None
    if extra is not None:
        return {**extra, **gvk}
    if schema_of(k) is not None:
        return openapi_v3_schema(k) if v3 else openapi_v2_schema(k)
    return {"type": "object", "x-kubernetes-preserve-unknown-fields": True, **gvk}


def _ref(prefix: str, k: Kind) -> dict[str, Any]:
    return {"$ref": f"{prefix}{schema_name(k)}"}


def _paths(k: Kind, ref: dict[str, Any]) -> dict[str, Any]:
    prefix = f"/api/{k.version}" if not k.group else f"/apis/{k.group}/{k.version}"
    base = f"{prefix}/namespaces/{{namespace}}/{k.plural}" if k.namespaced else f"{prefix}/{k.plural}"
    gvk = {"group": k.group, "version": k.version, "kind": k.kind}
    params = [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
              {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
              {"name": "dryRun", "in": "query", "schema": {"type": "string"}}]
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}

    def op(verb: str, action: str) -> dict[str, Any]:
        return {"operationId": f"{verb}{k.kind}", "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk, "parameters": params, "responses": ok}

    return {base: {"post": op("create", "post"), "get": op("list", "list")},
            f"{base}/{{name}}": {"get": op("read", "get"), "put": op("replace", "put"),
                                 "patch": op("patch", "patch"), "delete": op("delete", "delete")}}


def _group_version_of(k: Kind) -> str:
    return f"api/{k.version}" if not k.group else f"apis/{k.group}/{k.version}"


def v3_group_version(path: str, served: Sequence[Kind], custom: CustomSchema | None = None
                     ) -> dict[str, Any] | None:
    """The v3 document of one group version (``api/v1``, ``apis/apps/v1``), or None."""
    ks = [k for k in served if _group_version_of(k) == path]
    if not ks:
        return None
    prefix = "#/components/schemas/"
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for k in ks:
        schemas[schema_name(k)] = _schema(k, True, custom)
        paths.update(_paths(k, _ref(prefix, k)))
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"}, "paths": paths,
            "components": {"schemas": schemas}}


def v3_index(served: Sequence[Kind], custom: CustomSchema | None = None) -> dict[str, Any]:
    """``/openapi/v3``: one entry per group version, with a content hash kubectl caches by."""
    out: dict[str, Any] = {}
    for gv in dict.fromkeys(_group_version_of(k) for k in served):
        doc = v3_group_version(gv, served, custom)
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32].upper()
        out[gv] = {"serverRelativeURL": f"/openapi/v3/{gv}?hash={digest}"}
    return {"paths": out}


def v2(served: Sequence[Kind], custom: CustomSchema | None = None) -> dict[str, Any]:
    """``/openapi/v2`` (JSON): definitions and paths for clients that still read Swagger 2.0."""
    prefix = "#/definitions/"
    paths: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    for k in served:
        definitions[schema_name(k)] = _schema(k, False, custom)
        for path, ops in _paths(k, _ref(prefix, k)).items():
            paths[path] = {verb: {**op, "responses": {"200": {"description": "OK", "schema": _ref(prefix, k)}},
                                  "parameters": [{"name": p["name"], "in": "query", "type": "string",
                                                  "uniqueItems": True} for p in op["parameters"]]}
                           for verb, op in ops.items()}
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.32.4"}, "paths": paths,
            "definitions": definitions}
