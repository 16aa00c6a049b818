"""CustomResourceDefinitions (``apiextensions.k8s.io/v1``): their defaults, validation with the API
server's messages, the names controller's status, and the kind a definition serves.

A definition is stored as any object is; once its names are accepted the cluster serves a
:class:`CustomKind` built from it (:func:`custom_kind`): the storage version's schema, subresources
and printer columns. Only the storage version is served (no conversion between versions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simk8s.api import names
from simk8s.api.errors import FieldError, GoValue
from simk8s.api.frozen import freeze
from simk8s.api.kinds import Kind, lookup
from simk8s.api.validation import common

__all__ = [
    "CLEANUP_FINALIZER",
    "CRD",
    "CustomKind",
    "apply_crd_defaults",
    "custom_kind",
    "initial_crd_status",
    "names_status",
    "storage_version",
    "validate_crd",
]

CRD = lookup("CustomResourceDefinition")
#: The finalizer a deleted definition carries until its custom resources are gone.
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"

_TYPES = ("array", "boolean", "integer", "number", "object", "string")
_COLUMN_TYPES = ("boolean", "date", "integer", "number", "string")
_COLUMN_FORMATS = ("byte", "date", "date-time", "double", "float", "int32", "int64", "password")


@dataclass(frozen=True, eq=False)
class CustomKind(Kind):
    """A kind a CustomResourceDefinition defines; compared by identity (a changed definition
    makes a new one)."""

    crd: str = ""                                    # the definition's name: <plural>.<group>
    list_kind: str = ""
    schema: Any = None                               # the storage version's openAPIV3Schema (frozen)
    status_subresource: bool = False
    scale_subresource: tuple[str, str, str] | None = None  # specReplicasPath, statusReplicasPath, labelSelectorPath
    columns: tuple[Any, ...] = ()                    # additionalPrinterColumns (frozen)
    categories: tuple[str, ...] = ()


def storage_version(spec: Mapping[str, Any]) -> Mapping[str, Any] | None:
    versions = [v for v in spec.get("versions") or () if isinstance(v, Mapping) and v.get("storage")]
    return versions[0] if len(versions) == 1 else None


def custom_kind(crd: Mapping[str, Any]) -> CustomKind | None:
    """The kind a definition serves (its storage version), None if it has no served storage version."""
    spec = crd.get("spec") or {}
    version = storage_version(spec)
    if version is None or not version.get("served"):
        return None
    n = spec.get("names") or {}
    sub = version.get("subresources") or {}
    scale = sub.get("scale")
    return CustomKind(
        kind=n.get("kind", ""), group=spec.get("group", ""), version=version.get("name", ""),
        plural=n.get("plural", ""), singular=n.get("singular") or n.get("kind", "").lower(),
        short_names=tuple(n.get("shortNames") or ()), namespaced=spec.get("scope") == "Namespaced",
        crd=crd["metadata"]["name"], list_kind=n.get("listKind") or n.get("kind", "") + "List",
        schema=freeze((version.get("schema") or {}).get("openAPIV3Schema")),
        status_subresource="status" in sub,
        scale_subresource=(scale.get("specReplicasPath", ""), scale.get("statusReplicasPath", ""),
               scale.get("labelSelectorPath", "")) if isinstance(scale, Mapping) else None,
        columns=tuple(freeze(c) for c in version.get("additionalPrinterColumns") or ()),
        categories=tuple(n.get("categories") or ()))


# ------------------------------------------------------------------------------------ defaults
def apply_crd_defaults(obj: dict[str, Any]) -> None:
    """SetDefaults_CustomResourceDefinition(Spec): singular and listKind from the kind, conversion None."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    n = spec.get("names")
    if isinstance(n, dict) and n.get("kind"):
        n.setdefault("singular", str(n["kind"]).lower())
        n.setdefault("listKind", f"{n['kind']}List")
    if "conversion" not in spec:
        spec["conversion"] = {"strategy": "None"}


def initial_crd_status(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The status a new definition starts with: no accepted names, its storage version stored."""
    version = storage_version(obj.get("spec") or {})
    return {"acceptedNames": {"plural": "", "kind": ""},
            "storedVersions": [version["name"]] if version and version.get("name") else []}


# ----------------------------------------------------------------------------------- the names
def _condition(type_: str, status: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {"type": type_, "status": status, "lastTransitionTime": now, "reason": reason, "message": message}


def names_status(crd: Mapping[str, Any], others: Iterable[Mapping[str, Any]], served: Iterable[Kind],
                 now: str) -> dict[str, Any]:
    """The status the naming and establishing controllers give ``crd``: accepted names and the
    NamesAccepted and Established conditions. A plural or kind another definition of the group
    already has is a conflict; so is (here, where kinds are keyed by name) a kind any other
    served kind has."""
    spec = crd.get("spec") or {}
    n = spec.get("names") or {}
    group = spec.get("group", "")
    name = crd["metadata"]["name"]
    conflict: tuple[str, str] | None = None
    for other in others:
        o_spec = other.get("spec") or {}
        if other["metadata"]["name"] == name or o_spec.get("group") != group:
            continue
        accepted = (other.get("status") or {}).get("acceptedNames") or {}
        taken = {accepted.get("plural"), accepted.get("singular"), *(accepted.get("shortNames") or ())}
        if n.get("plural") in taken:
            conflict = ("PluralConflict", f'"{n.get("plural")}" is already in use')
        elif n.get("kind") in (accepted.get("kind"), accepted.get("listKind")):
            conflict = ("KindConflict", f'"{n.get("kind")}" is already in use')
        if conflict:
            break
    if not conflict:
        for k in served:
            if k.kind == n.get("kind") and getattr(k, "crd", None) != name:
                conflict = ("KindConflict", f'"{n.get("kind")}" is already in use')
                break
    status = dict(crd.get("status") or {})
    old = {c.get("type"): c for c in status.get("conditions") or ()}

    def keep(c: dict[str, Any]) -> dict[str, Any]:
        prev = old.get(c["type"])
        if prev is not None and prev.get("status") == c["status"]:
            c["lastTransitionTime"] = prev.get("lastTransitionTime", now)
        return c

    if conflict:
        conditions = [keep(_condition("NamesAccepted", "False", conflict[0], conflict[1], now))]
        if "Established" in old:
            conditions.append(dict(old["Established"]))
        else:
            conditions.append(keep(_condition("Established", "False", "NotAccepted", "not all names are accepted",
                                              now)))
    else:
        accepted = {k: n[k] for k in ("plural", "singular", "shortNames", "kind", "listKind", "categories")
                    if n.get(k)}
        status["acceptedNames"] = accepted
        conditions = [keep(_condition("NamesAccepted", "True", "NoConflicts", "no conflicts found", now)),
                      keep(_condition("Established", "True", "InitialNamesAccepted",
                                      "the initial names have been accepted", now))]
    conditions.extend(dict(c) for t, c in old.items() if t not in ("NamesAccepted", "Established"))
    status["conditions"] = conditions
    return status


# ---------------------------------------------------------------------------------- validation
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
