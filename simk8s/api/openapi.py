"""OpenAPI schemas of the served kinds, built from the typed schema (:mod:`simk8s.api.schema`).

:func:`openapi_v3_schema` gives a kind's schema as an OpenAPI 3.0 Schema Object, every nested
struct inlined (no ``$ref``), with what the API server's own documents say of each field: type
and format (``int32``/``int64``), enums, ``minimum``, ``required``, maps as
``additionalProperties``, and the Kubernetes extensions for quantities and int-or-string values.
:func:`openapi_v2_schema` is the same in Swagger 2.0 terms. Both are pure and return fresh dicts::

    from simk8s.api.openapi import openapi_v3_schema
    openapi_v3_schema("StatefulSet")["properties"]["spec"]["properties"]["replicas"]
    # {'type': 'integer', 'format': 'int32', 'minimum': 0}
"""

from __future__ import annotations

from typing import Any

import simk8s.api.kinds as kinds
from simk8s.api.kinds import Kind
from simk8s.api.schema import ListOf, MapOf, Scalar, Special, Type, schema_of

__all__ = ["openapi_v2_schema", "openapi_v3_schema"]

_SCALARS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "int32": {"type": "integer", "format": "int32"},
    "int64": {"type": "integer", "format": "int64"},
    "bool": {"type": "boolean"},
    "float64": {"type": "number", "format": "double"},
}


def _special(t: Special, v3: bool) -> dict[str, Any]:
    if t.name == "quantity":
        if v3:
            return {"oneOf": [{"type": "string"}, {"type": "number"}], "x-kubernetes-int-or-string": True}
        return {"type": "string", "format": "quantity"}
    if t.name == "int-or-string":
        if v3:
            return {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True}
        return {"type": "string", "format": "int-or-string"}
    if t.name == "time":
        return {"type": "string", "format": "date-time"}
    return {"x-kubernetes-preserve-unknown-fields": True} if v3 else {"type": "object"}


def _schema(t: Type, v3: bool) -> dict[str, Any]:
    if isinstance(t, Scalar):
        out: dict[str, Any] = dict(_SCALARS[t.kind])
        if t.enum:
            out["enum"] = list(t.enum)
        if t.minimum is not None:
            out["minimum"] = t.minimum
        return out
    if isinstance(t, Special):
        return _special(t, v3)
    if isinstance(t, ListOf):
        return {"type": "array", "items": _schema(t.item, v3)}
    if isinstance(t, MapOf):
        return {"type": "object", "additionalProperties": _schema(t.value, v3)}
    struct: dict[str, Any] = {"type": "object",
                              "properties": {name: _schema(sub, v3) for name, sub in t.fields.items()}}
    if t.required:
        struct["required"] = list(t.required)
    return struct


def _build(kind: Kind | str, v3: bool) -> dict[str, Any]:
    k = kind if isinstance(kind, Kind) else kinds.resolve(kind)
    schema = schema_of(k)
    if schema is None:  # pragma: no cover - every served kind has a schema
        raise KeyError(k.kind)
    out = _schema(schema, v3)
    out["x-kubernetes-group-version-kind"] = [{"group": k.group, "version": k.version, "kind": k.kind}]
    return out


def openapi_v3_schema(kind: Kind | str) -> dict[str, Any]:
    """The OpenAPI v3 Schema Object of ``kind`` (a :class:`Kind`, or a name ``kubectl`` accepts:
    ``StatefulSet``, ``sts``, ``pods``); KeyError/UnknownKind for a kind simk8s does not serve."""
    return _build(kind, True)


def openapi_v2_schema(kind: Kind | str) -> dict[str, Any]:
    """The OpenAPI v2 (Swagger) definition of ``kind``; like :func:`openapi_v3_schema`."""
    return _build(kind, False)

