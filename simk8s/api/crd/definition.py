"""CustomResourceDefinitions (``apiextensions.k8s.io/v1``): their defaults, the names controller's
status, and the kind a definition serves (validation: :mod:`simk8s.api.validation.apiextensions`).

A definition is stored as any object is; once its names are accepted the cluster serves a
:class:`CustomKind` built from it (:func:`custom_kind`): the storage version's schema, subresources
and printer columns. Only the storage version is served (no conversion between versions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simk8s.api.frozen import freeze
from simk8s.api.kinds import Kind, lookup

__all__ = [
    "CLEANUP_FINALIZER",
    "CRD",
    "CustomKind",
    "apply_crd_defaults",
    "custom_kind",
    "initial_crd_status",
    "names_status",
    "storage_version",
]

CRD = lookup("CustomResourceDefinition")
#: The finalizer a deleted definition carries until its custom resources are gone.
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"



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
