"""Validation of CustomResourceDefinitions (apiextensions' ValidateCustomResourceDefinition) and of
custom resources against their definition (customResourceValidator), with the API server's texts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simk8s.api.names as names
import simk8s.api.validation.common as common
from simk8s.api.crd import schema as structural
from simk8s.api.crd.definition import CustomKind
from simk8s.api.crd.objects import get_path
from simk8s.api.errors import FieldError, GoValue
from simk8s.api.yamlio import encode_json

__all__ = ["validate_crd", "validate_custom"]

_TYPES = ("array", "boolean", "integer", "number", "object", "string")
_COLUMN_TYPES = ("boolean", "date", "integer", "number", "string")
_COLUMN_FORMATS = ("byte", "date", "date-time", "double", "float", "int32", "int64", "password")


def _go_versions(versions: Any) -> GoValue:
    inner = ", ".join(
        f'apiextensions.CustomResourceDefinitionVersion{{Name:"{v.get("name", "")}", '
        f'Served:{str(bool(v.get("served"))).lower()}, Storage:{str(bool(v.get("storage"))).lower()}, ...}}'
        for v in versions if isinstance(v, Mapping))
    return GoValue(f"[]apiextensions.CustomResourceDefinitionVersion{{{inner}}}")


def _dns1035(value: Any, path: str, prefix: str = "") -> list[FieldError]:
    errs = names.is_dns1035_label(str(value).lower() if prefix else str(value))
    return [FieldError.invalid(path, value, prefix + ",".join(errs))] if errs else []


def _validate_names(n: Mapping[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in ("plural", "singular"):
        if n.get(key):
            errs.extend(_dns1035(n[key], f"{path}.{key}"))
    for key in ("kind", "listKind"):
        if n.get(key):
            errs.extend(_dns1035(n[key], f"{path}.{key}", "may have mixed case, but should otherwise match: "))
    for i, short in enumerate(n.get("shortNames") or ()):
        errs.extend(_dns1035(short, f"{path}.shortNames[{i}]"))
    if n.get("kind") and n.get("kind") == n.get("listKind"):
        errs.append(FieldError.invalid(f"{path}.listKind", n["listKind"], "kind and listKind may not be the same"))
    for i, category in enumerate(n.get("categories") or ()):
        errs.extend(_dns1035(category, f"{path}.categories[{i}]"))
    return errs


def _validate_schema(schema: Mapping[str, Any], path: str) -> list[FieldError]:
    """Structural schema rules (apiserver/schema ValidateStructural and the OpenAPI checks)."""
    errs: list[FieldError] = []
    stack: list[tuple[Mapping[str, Any], str, str]] = [(schema, path, "root")]
    while stack:
        s, p, where = stack.pop()
        t = s.get("type")
        free = s.get("x-kubernetes-preserve-unknown-fields") or s.get("x-kubernetes-int-or-string")
        if not t and not free:
            detail = {"root": "must not be empty at the root", "property": "must not be empty for specified object "
                      "fields", "items": "must not be empty for specified array items",
                      "additional": "must not be empty for specified additionalProperties"}[where]
            errs.append(FieldError.required(f"{p}.type", detail))
        elif t and t not in _TYPES:
            errs.append(FieldError.not_supported(f"{p}.type", t, _TYPES))
        elif where == "root" and t and t != "object":
            errs.append(FieldError.invalid(f"{p}.type", t, "must be object at the root"))
        if t == "array" and not isinstance(s.get("items"), Mapping):
            errs.append(FieldError.required(f"{p}.items", "must be specified"))
        if s.get("uniqueItems"):
            errs.append(FieldError.forbidden(f"{p}.uniqueItems", "uniqueItems cannot be set to true since the "
                                                                 "runtime complexity becomes quadratic"))
        props = s.get("properties")
        extra = s.get("additionalProperties")
        if isinstance(props, Mapping) and props and extra not in (None, False) and not (
                isinstance(extra, Mapping) and not extra):
            errs.append(FieldError.forbidden(f"{p}.additionalProperties",
                                             "additionalProperties and properties are mutual exclusive"))
        later: list[tuple[Mapping[str, Any], str, str]] = []
        if isinstance(props, Mapping):
            later.extend((v, f"{p}.properties[{k}]", "property") for k, v in sorted(props.items())
                         if isinstance(v, Mapping))
        if isinstance(extra, Mapping) and extra:
            later.append((extra, f"{p}.additionalProperties", "additional"))
        if isinstance(s.get("items"), Mapping):
            later.append((s["items"], f"{p}.items", "items"))
        stack.extend(reversed(later))
    return errs


def _validate_column(col: Mapping[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if not col.get("name"):
        errs.append(FieldError.required(f"{path}.name", ""))
    must = f"must be one of {','.join(_COLUMN_TYPES)}"
    if not col.get("type"):
        errs.append(FieldError.required(f"{path}.type", must))
    elif col["type"] not in _COLUMN_TYPES:
        errs.append(FieldError.invalid(f"{path}.type", col["type"], must))
    if col.get("format") and col["format"] not in _COLUMN_FORMATS:
        errs.append(FieldError.invalid(f"{path}.format", col["format"], f"must be one of {','.join(_COLUMN_FORMATS)}"))
    if not col.get("jsonPath"):
        errs.append(FieldError.required(f"{path}.JSONPath", ""))
    return errs


def _validate_subresources(sub: Mapping[str, Any], path: str) -> list[FieldError]:
    scale = sub.get("scale")
    if not isinstance(scale, Mapping):
        return []
    errs: list[FieldError] = []
    for key, under in (("specReplicasPath", ".spec"), ("statusReplicasPath", ".status")):
        value = scale.get(key) or ""
        if not value:
            errs.append(FieldError.required(f"{path}.scale.{key}", ""))
        elif not value.startswith(under + "."):
            errs.append(FieldError.invalid(f"{path}.scale.{key}", value, f"should be a json path under {under}"))
    return errs


def validate_crd(obj: Mapping[str, Any], old: Mapping[str, Any] | None = None) -> list[FieldError]:
    """ValidateCustomResourceDefinition(Update): the errors of a definition, in the API server's order."""
    spec = obj.get("spec") or {}
    n = spec.get("names") or {}
    group = spec.get("group") or ""
    meta = obj.get("metadata") or {}
    required = f"{n.get('plural', '')}.{group}"

    def name_fn(name: str, prefix: bool) -> list[str]:
        out = common.name_is_dns1123_subdomain(name, prefix)
        if name != required:
            out.append('must be spec.names.plural+"."+spec.group')
        return out

    if old is None:
        errs = common.validate_object_meta(meta, False, name_fn)
    else:
        errs = common.validate_object_meta_update(meta, old.get("metadata") or {})
    p = "spec"
    if not group:
        errs.append(FieldError.required(f"{p}.group", ""))
    elif bad := names.is_dns1123_subdomain(group):
        errs.append(FieldError.invalid(f"{p}.group", group, ",".join(bad)))
    elif "." not in group:
        errs.append(FieldError.invalid(f"{p}.group", group, "should be a domain with at least one dot"))
    errs.extend(common.not_supported(spec.get("scope"), ("Cluster", "Namespaced"), f"{p}.scope"))
    versions = [v for v in spec.get("versions") or () if isinstance(v, Mapping)]
    for i, v in enumerate(versions):
        schema = (v.get("schema") or {}).get("openAPIV3Schema")
        if not isinstance(schema, Mapping):
            errs.append(FieldError.required(f"{p}.versions[{i}].schema.openAPIV3Schema", "schemas are required"))
    seen: set[str] = set()
    unique = True
    for i, v in enumerate(versions):
        if v.get("name") in seen:
            unique = False
        seen.add(v.get("name", ""))
        errs.extend(_dns1035(v.get("name", ""), f"{p}.versions[{i}].name"))
        vp = f"{p}.versions[{i}]"
        schema = (v.get("schema") or {}).get("openAPIV3Schema")
        if isinstance(schema, Mapping):
            errs.extend(_validate_schema(schema, f"{vp}.schema.openAPIV3Schema"))
        errs.extend(_validate_subresources(v.get("subresources") or {}, f"{vp}.subresources"))
        for j, col in enumerate(v.get("additionalPrinterColumns") or ()):
            errs.extend(_validate_column(col, f"{vp}.additionalPrinterColumns[{j}]"))
    if not versions:
        errs.append(FieldError.invalid(f"{p}.versions", _go_versions([]), "must have exactly one version marked as "
                                                                          "storage version"))
    else:
        if not unique:
            errs.append(FieldError.invalid(f"{p}.versions", _go_versions(versions), "must contain unique version "
                                                                                    "names"))
        if sum(1 for v in versions if v.get("storage")) != 1:
            errs.append(FieldError.invalid(f"{p}.versions", _go_versions(versions), "must have exactly one version "
                                                                                    "marked as storage version"))
    for key in ("plural", "singular", "kind", "listKind"):
        if not n.get(key):
            errs.append(FieldError.required(f"{p}.names.{key}", ""))
    errs.extend(_validate_names(n, f"{p}.names"))
    if old is not None:
        o_spec = old.get("spec") or {}
        established = any(c.get("type") == "Established" and c.get("status") == "True"
                          for c in (old.get("status") or {}).get("conditions") or ())
        if established:
            errs.extend(common.immutable(spec.get("scope"), o_spec.get("scope"), f"{p}.scope"))
            errs.extend(common.immutable(n.get("kind"), (o_spec.get("names") or {}).get("kind"), f"{p}.names.kind"))
        errs.extend(common.immutable(group, o_spec.get("group"), f"{p}.group"))
        errs.extend(common.immutable(n.get("plural"), (o_spec.get("names") or {}).get("plural"),
                                     f"{p}.names.plural"))
    return errs


# ---------------------------------------------------------------------------- custom resources
def validate_custom(k: CustomKind, obj: Mapping[str, Any], old: Mapping[str, Any] | None = None) -> list[FieldError]:
    """ObjectMeta, then the schema, then the scale subresource's replicas paths
    (customResourceValidator.Validate)."""
    meta = obj.get("metadata") or {}
    if old is None:
        errs = common.validate_object_meta(meta, k.namespaced, common.name_is_dns1123_subdomain)
    else:
        errs = common.validate_object_meta_update(meta, old.get("metadata") or {})
    errs.extend(structural.validate(obj, k.schema))
    if k.scale_subresource is not None:
        for path in k.scale_subresource[:2]:
            errs.extend(_replicas_errors(obj, path))
    return errs


_GO_TYPES = {str: "string", bool: "bool", float: "float64", dict: "map[string]interface {}",
             list: "[]interface {}"}


def _replicas_errors(obj: Mapping[str, Any], path: str) -> list[FieldError]:
    """ValidateScaleSpec / ValidateScaleStatus: the replicas a scale path names must be an int32."""
    found, value = get_path(obj, path)
    if not found or value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool):
        shown = value if isinstance(value, str) else encode_json(value).rstrip("\n")
        return [FieldError.invalid(path, 0, f"{path} accessor error: {shown} is of the type "
                                            f"{_GO_TYPES.get(type(value), 'interface {}')}, expected int64")]
    if value < 0:
        return [FieldError.invalid(path, value, "should be a non-negative integer")]
    if value > 2**31 - 1:
        return [FieldError.invalid(path, value, f"should be less than or equal to {2**31 - 1}")]
    return []
