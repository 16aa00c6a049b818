"""OpenAPI v2 and v3 documents for the served kinds, built from the strict-decoding schema.

What clients use them for:
- ``kubectl apply`` reads ``/openapi/v3``: when a kind's PATCH operation lists the
  ``fieldValidation`` parameter, kubectl leaves validation to the server (which decodes strictly
  and answers unknown fields with the API server's BadRequest) and sends ``fieldValidation=Strict``.
- ``kubectl explain`` walks ``components.schemas`` from the schema carrying the kind's
  ``x-kubernetes-group-version-kind``, following ``$ref`` for nested structs.

The field tree comes from :data:`simk8s.api.schema.SCHEMAS` (one schema, one place). That schema
records field names and shapes (struct, list, map, scalar) but not scalar types or descriptions,
so scalars are documented without a type.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from simk8s.api import schema as structural
from simk8s.api.kinds import Kind

__all__ = ["schema_name", "v2", "v3_group_version", "v3_index"]

_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _package(k: Kind) -> str:
    group = k.group.split(".")[0] if k.group else "core"
    return f"io.k8s.api.{group}.{k.version}"


def schema_name(k: Kind) -> str:
    return f"{_package(k)}.{k.kind}"


def _title(name: str) -> str:
    return name[:1].upper() + name[1:]


def _known_structs() -> dict[int, str]:
    """Structs the schema module names (``CONTAINER``, ``POD_SPEC``): their Go type names."""
    out: dict[int, str] = {}
    for const, value in vars(structural).items():
        if const.isupper() and isinstance(value, dict):
            out[id(value)] = "".join(part.title() for part in const.split("_"))
    return out


class _Builder:
    """Turns the structural schema into named component schemas (one per nested struct)."""

    def __init__(self, ref_prefix: str) -> None:
        self.ref_prefix = ref_prefix
        self.components: dict[str, dict[str, Any]] = {}
        self.known = _known_structs()

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": f"{self.ref_prefix}{name}"}

    def node(self, value: Any, package: str, name: str) -> dict[str, Any]:
        if value is structural.LEAF:
            return {}
        if value is structural.MAP:
            return {"type": "object", "additionalProperties": {"type": "string"}}
        if value is structural.ANY:
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        if isinstance(value, list):
            return {"type": "array", "items": self.node(value[0], package, name)}
        if value is structural.OBJECT_META:
            return self.struct(_OBJECT_META, value)
        return self.struct(f"{package}.{self.known.get(id(value), name)}", value)

    def struct(self, name: str, fields: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The component ``name`` (built once) and a reference to it."""
        if name not in self.components:
            out: dict[str, Any] = {"type": "object", "properties": {}}
            self.components[name] = out
            package, _, short = name.rpartition(".")
            for key, child in fields.items():
                out["properties"][key] = self.node(child, package, f"{short}{_title(key)}")
            out.update(extra or {})
        return self.ref(name)

    def kind(self, k: Kind) -> None:
        gvk = {"x-kubernetes-group-version-kind": [{"group": k.group, "version": k.version, "kind": k.kind}]}
        fields = structural.SCHEMAS.get(k.kind)
        if fields is None:
            fields = {"apiVersion": structural.LEAF, "kind": structural.LEAF, "metadata": structural.OBJECT_META}
            gvk["x-kubernetes-preserve-unknown-fields"] = True  # type: ignore[assignment]
        self.struct(schema_name(k), fields, {"description": f"{k.kind} ({k.api_version}).", **gvk})


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


def v3_group_version(path: str, served: Sequence[Kind]) -> dict[str, Any] | None:
    """The v3 document of one group version (``api/v1``, ``apis/apps/v1``), or None."""
    ks = [k for k in served if _group_version_of(k) == path]
    if not ks:
        return None
    b = _Builder("#/components/schemas/")
    paths: dict[str, Any] = {}
    for k in ks:
        b.kind(k)
        paths.update(_paths(k, b.ref(schema_name(k))))
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"}, "paths": paths,
            "components": {"schemas": b.components}}


def v3_index(served: Sequence[Kind]) -> dict[str, Any]:
    """``/openapi/v3``: one entry per group version, with a content hash kubectl caches by."""
    out: dict[str, Any] = {}
    for gv in dict.fromkeys(_group_version_of(k) for k in served):
        doc = v3_group_version(gv, served)
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32].upper()
        out[gv] = {"serverRelativeURL": f"/openapi/v3/{gv}?hash={digest}"}
    return {"paths": out}


def v2(served: Sequence[Kind]) -> dict[str, Any]:
    """``/openapi/v2`` (JSON): definitions and paths for clients that still read Swagger 2.0."""
    b = _Builder("#/definitions/")
    paths: dict[str, Any] = {}
    for k in served:
        b.kind(k)
        for path, ops in _paths(k, b.ref(schema_name(k))).items():
            paths[path] = {verb: {**op, "responses": {"200": {"description": "OK", "schema": b.ref(schema_name(k))}},
                                  "parameters": [{"name": p["name"], "in": "query", "type": "string",
                                                  "uniqueItems": True} for p in op["parameters"]]}
                           for verb, op in ops.items()}
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.32.4"}, "paths": paths,
            "definitions": b.components}
