"""The kinds simk8s serves: group, version, kind, resource names and scope, as the API server lists them.

One :class:`Kind` per type. :func:`resolve` turns whatever a user types (``sts``, ``statefulset``,
``StatefulSet``, ``statefulsets.apps``, ``pvc``) into a kind, the way kubectl's RESTMapper does;
:func:`for_object` finds the kind of a manifest from its ``apiVersion`` and ``kind``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "Kind", "UnknownKind", "for_api_version", "for_object", "lookup", "resolve"]


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str
    version: str
    plural: str
    singular: str
    short_names: tuple[str, ...]
    namespaced: bool

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``<group>/<version>`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_resource(self) -> str:
        """``pods``, ``statefulsets.apps``: how API error messages name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """``Pod``, ``StatefulSet.apps``: how Invalid errors name the kind."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def kubectl_name(self) -> str:
        """``pod``, ``statefulset.apps``: the prefix kubectl prints (``statefulset.apps/web created``)."""
        return f"{self.singular}.{self.group}" if self.group else self.singular

    def __str__(self) -> str:
        return self.qualified_resource


def _k(kind: str, group: str, version: str, plural: str, short: tuple[str, ...], namespaced: bool,
       singular: str = "") -> Kind:
    return Kind(kind, group, version, plural, singular or kind.lower(), short, namespaced)


KINDS: tuple[Kind, ...] = (
    _k("Namespace", "", "v1", "namespaces", ("ns",), False),
    _k("Node", "", "v1", "nodes", ("no",), False),
    _k("Pod", "", "v1", "pods", ("po",), True),
    _k("Service", "", "v1", "services", ("svc",), True),
    _k("Endpoints", "", "v1", "endpoints", ("ep",), True, singular="endpoints"),
    _k("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", ("pvc",), True),
    _k("PersistentVolume", "", "v1", "persistentvolumes", ("pv",), False),
    _k("Event", "", "v1", "events", ("ev",), True),
    _k("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices", (), True),
    _k("StatefulSet", "apps", "v1", "statefulsets", ("sts",), True),
    _k("ControllerRevision", "apps", "v1", "controllerrevisions", (), True),
    _k("Deployment", "apps", "v1", "deployments", ("deploy",), True),
    _k("ReplicaSet", "apps", "v1", "replicasets", ("rs",), True),
    _k("StorageClass", "storage.k8s.io", "v1", "storageclasses", ("sc",), False),
    _k("ServiceAccount", "", "v1", "serviceaccounts", ("sa",), True),
    _k("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", ("netpol",), True),
    _k("Role", "rbac.authorization.k8s.io", "v1", "roles", (), True),
    _k("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", (), False),
    _k("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings", (), True),
    _k("ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", (), False),
    _k("ConfigMap", "", "v1", "configmaps", ("cm",), True),
    _k("Secret", "", "v1", "secrets", (), True),
    _k("Lease", "coordination.k8s.io", "v1", "leases", (), True),
)

_BY_KIND: dict[str, Kind] = {k.kind: k for k in KINDS}
_BY_NAME: dict[str, Kind] = {}
for _kind in KINDS:
    for _name in (_kind.plural, _kind.singular, _kind.kind.lower(), *_kind.short_names):
        _BY_NAME.setdefault(_name, _kind)


class UnknownKind(LookupError):
    """A resource name or kind that simk8s does not serve.

    ``resource`` is the name as the user gave it (lower-cased, without group), ``group`` the group
    part if one was given; kubectl words its error from these.
    """

    def __init__(self, resource: str, group: str = "", version: str = "") -> None:
        super().__init__(resource)
        self.resource = resource
        self.group = group
        self.version = version


def lookup(kind: str) -> Kind:
    """The kind named exactly (``StatefulSet``); raises :class:`UnknownKind`."""
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise UnknownKind(kind) from None


def resolve(name: str) -> Kind:
    """Resolve a user-typed resource name: plural, singular, short name, kind, or ``name.group``.

    Matching is case-insensitive, like kubectl's. ``statefulsets.apps`` and ``statefulsets.v1.apps``
    must name the right group.
    """
    if isinstance(name, Kind):
        return name
    text = name.strip()
    if text in _BY_KIND:
        return _BY_KIND[text]
    lowered = text.lower()
    resource, _, rest = lowered.partition(".")
    kind = _BY_NAME.get(resource)
    if not rest:
        if kind is None:
            raise UnknownKind(resource)
        return kind
    version, group = "", rest
    first, _, remainder = rest.partition(".")
    if remainder and first.startswith("v") and first[1:2].isdigit():
        version, group = first, remainder
    if kind is None or kind.group != group or (version and version != kind.version):
        if group in ("", "core") and kind is not None and kind.group == "":
            return kind
        raise UnknownKind(resource, group, version)
    return kind


def for_api_version(api_version: str, kind: str) -> Kind | None:
    """The kind served at ``apiVersion``/``kind``, or None when this API does not serve it."""
    k = _BY_KIND.get(kind)
    if k is None or k.api_version != api_version:
        return None
    return k


def for_object(obj: Mapping[str, Any]) -> Kind:
    """The kind of a manifest, from its ``kind`` (and ``apiVersion`` when given)."""
    kind = obj.get("kind")
    if not isinstance(kind, str) or kind not in _BY_KIND:
        raise UnknownKind(str(kind or ""))
    return _BY_KIND[kind]
