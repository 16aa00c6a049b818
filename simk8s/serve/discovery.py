"""Version and discovery documents, built from the kinds the store serves.

kubectl asks ``/api`` and ``/apis`` for aggregated discovery (``apidiscovery.k8s.io/v2``) and
chooses the format from the reply's Content-Type; older clients (the official Python client,
kopf) read the legacy ``APIVersions`` / ``APIGroupList`` / ``APIResourceList`` documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from simk8s.api.kinds import Kind
from simk8s.api.strategy import has_scale, has_status

__all__ = [
    "AGGREGATED_TYPE",
    "aggregated",
    "group_list",
    "group_versions",
    "resource_list",
    "subresources",
    "verbs",
    "version_info",
    "wants_aggregated",
]

AGGREGATED_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

#: The ``all`` category, as kubectl get all expands it.
_ALL = frozenset({"Pod", "Service", "StatefulSet", "Deployment", "ReplicaSet"})
_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


def version_info() -> dict[str, Any]:
    """``/version``: kubectl's dispatcher picks its binary from major/minor, so they say 1.32."""
    return {"major": "1", "minor": "32", "gitVersion": "v1.32.4", "gitCommit": "simk8s",
            "gitTreeState": "clean", "buildDate": "2025-04-22T00:00:00Z", "goVersion": "go1.23.6",
            "compiler": "gc", "platform": "linux/amd64"}


def wants_aggregated(accept: str) -> bool:
    return "as=APIGroupDiscoveryList" in accept


def verbs(kind: Kind) -> list[str]:
    return list(_VERBS)


def subresources(kind: Kind) -> list[tuple[str, str, str, str, list[str]]]:
    """``(name, group, version, kind, verbs)`` of each subresource of ``kind``."""
    out: list[tuple[str, str, str, str, list[str]]] = []
    if has_status(kind):
        out.append(("status", kind.group, kind.version, kind.kind, ["get", "patch", "update"]))
    if has_scale(kind):
        out.append(("scale", "autoscaling", "v1", "Scale", ["get", "patch", "update"]))
    if kind.kind == "Pod":
        out += [("log", "", "v1", "Pod", ["get"]), ("exec", "", "v1", "PodExecOptions", ["create", "get"]),
                ("attach", "", "v1", "PodAttachOptions", ["create", "get"]),
                ("portforward", "", "v1", "PodPortForwardOptions", ["create", "get"]),
                ("eviction", "policy", "v1", "Eviction", ["create"]),
                ("binding", "", "v1", "Binding", ["create"])]
    return out


def group_versions(served: Iterable[Kind]) -> dict[str, list[Kind]]:
    """Kinds by ``apiVersion``, core first, then groups in order of first appearance."""
    out: dict[str, list[Kind]] = {}
    for k in served:
        out.setdefault(k.api_version, []).append(k)
    return out


def _categories(k: Kind) -> list[str]:
    cats = list(getattr(k, "categories", ()) or ())
    if k.kind in _ALL and "all" not in cats:
        cats.append("all")
    return cats


def _discovery_resource(k: Kind) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resource": k.plural, "responseKind": {"group": k.group, "version": k.version, "kind": k.kind},
        "scope": "Namespaced" if k.namespaced else "Cluster", "singularResource": k.singular,
        "verbs": verbs(k)}
    if k.short_names:
        res["shortNames"] = list(k.short_names)
    cats = _categories(k)
    if cats:
        res["categories"] = cats
    subs = [{"subresource": name, "responseKind": {"group": g, "version": v, "kind": kd}, "verbs": vs}
            for name, g, v, kd, vs in subresources(k)]
    if subs:
        res["subresources"] = subs
    return res


def aggregated(served: Sequence[Kind], core: bool) -> dict[str, Any]:
    """``/api`` (``core=True``) or ``/apis`` as an ``APIGroupDiscoveryList``."""
    groups: dict[str, dict[str, list[Kind]]] = {}
    for k in served:
        if (k.group == "") == core:
            groups.setdefault(k.group, {}).setdefault(k.version, []).append(k)
    items = []
    for group, versions in groups.items():
        items.append({"metadata": {"name": group, "creationTimestamp": None}, "versions": [
            {"version": v, "resources": [_discovery_resource(k) for k in ks], "freshness": "Current"}
            for v, ks in versions.items()]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
            "items": items}


def group_list(served: Sequence[Kind]) -> dict[str, Any]:
    """``/apis`` in the legacy ``APIGroupList`` form."""
    groups: dict[str, list[str]] = {}
    for k in served:
        if k.group and k.version not in groups.setdefault(k.group, []):
            groups[k.group].append(k.version)
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
         "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}} for g, vs in groups.items()]}


def resource_list(api_version: str, ks: Sequence[Kind]) -> dict[str, Any]:
    """``/api/v1``, ``/apis/<group>/<version>``: the ``APIResourceList`` with subresources."""
    resources: list[dict[str, Any]] = []
    for k in ks:
        entry: dict[str, Any] = {"name": k.plural, "singularName": k.singular, "namespaced": k.namespaced,
                                 "kind": k.kind, "verbs": verbs(k)}
        if k.short_names:
            entry["shortNames"] = list(k.short_names)
        cats = _categories(k)
        if cats:
            entry["categories"] = cats
        resources.append(entry)
        for name, g, v, kd, vs in subresources(k):
            sub: dict[str, Any] = {"name": f"{k.plural}/{name}", "singularName": "", "namespaced": k.namespaced,
                                   "kind": kd, "verbs": vs}
            if g != k.group or v != k.version:
                sub.update({"group": g, "version": v})
            resources.append(sub)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": api_version, "resources": resources}
