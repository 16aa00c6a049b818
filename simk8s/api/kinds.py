"""The kinds simk8s serves: group, version, kind, resource names and scope, as the API server lists them.

One :class:`Kind` per type. :func:`resolve` turns whatever a user types (``sts``, ``statefulset``,
``StatefulSet``, ``statefulsets.apps``, ``pvc``) into a kind, the way kubectl's RESTMapper does;
:func:`for_object` finds the kind of a manifest from its ``apiVersion`` and ``kind``.

The built-in kinds are shared and immutable. A cluster serves more: each store owns a
:class:`Registry` that starts with the built-ins and gains the kinds its CustomResourceDefinitions
define (and loses them when a definition goes). The module-level functions look at the built-ins
only; code that must see a cluster's custom kinds asks its store's registry (``store.kinds``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BUILTIN", "KINDS", "Kind", "Registry", "UnknownKind", "for_api_version", "for_object", "lookup",
           "resolve"]


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

    def __deepcopy__(self, memo: dict[int, Any]) -> Kind:
        return self    # immutable, and compared by identity: a forked cluster shares its kinds

    def __copy__(self) -> Kind:
        return self


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
    _k("CustomResourceDefinition", "apiextensions.k8s.io", "v1", "customresourcedefinitions", ("crd", "crds"),
       False),
)

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


class Registry:
    """The kinds one cluster serves: the built-ins, then the kinds added at run time (custom
    resources), in the order they were added. Lookups as :func:`resolve` and :func:`for_object`."""

    def __init__(self, base: tuple[Kind, ...] = ()) -> None:
        self._kinds: tuple[Kind, ...] = ()
        self._by_kind: dict[str, Kind] = {}
        self._by_name: dict[str, Kind] = {}
        self._by_group_name: dict[tuple[str, str], Kind] = {}
        for k in base:
            self._index(k)

    def _index(self, k: Kind) -> None:
        self._kinds = (*self._kinds, k)
        self._by_kind.setdefault(k.kind, k)
        for name in (k.plural, k.singular, k.kind.lower(), *k.short_names):
            self._by_name.setdefault(name, k)
            self._by_group_name.setdefault((name, k.group), k)

    def add(self, k: Kind) -> None:
        """Serve ``k`` too (a newly established custom resource); replaces a kind of the same name."""
        self.remove(k.kind)
        self._index(k)

    def remove(self, kind: str) -> Kind | None:
        """Stop serving the kind named ``kind``; returns it (None when it was not served)."""
        old = self._by_kind.get(kind)
        if old is None:
            return None
        rest = tuple(k for k in self._kinds if k is not old)
        self._kinds, self._by_kind, self._by_name, self._by_group_name = (), {}, {}, {}
        for k in rest:
            self._index(k)
        return old

    def __iter__(self) -> Iterator[Kind]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def __contains__(self, k: object) -> bool:
        return isinstance(k, Kind) and self._by_kind.get(k.kind) is k

    def __deepcopy__(self, memo: dict[int, Any]) -> Registry:
        return self.copy()

    def copy(self) -> Registry:
        """A registry serving the same kinds that can then change on its own."""
        new = Registry.__new__(Registry)
        new.__dict__.update({"_kinds": self._kinds, "_by_kind": dict(self._by_kind),
                             "_by_name": dict(self._by_name), "_by_group_name": dict(self._by_group_name)})
        return new

    def lookup(self, kind: str) -> Kind:
        """The kind named exactly (``StatefulSet``); raises :class:`UnknownKind`."""
        try:
            return self._by_kind[kind]
        except KeyError:
            raise UnknownKind(kind) from None

    def get(self, kind: str) -> Kind | None:
        return self._by_kind.get(kind)

    def resolve(self, name: str | Kind) -> Kind:
        """Resolve a user-typed resource name: plural, singular, short name, kind, or ``name.group``.

        Matching is case-insensitive, like kubectl's. ``statefulsets.apps`` and ``statefulsets.v1.apps``
        must name the right group.
        """
        if isinstance(name, Kind):
            return name
        text = name.strip()
        if text in self._by_kind:
            return self._by_kind[text]
        lowered = text.lower()
        resource, _, rest = lowered.partition(".")
        kind = self._by_name.get(resource)
        if not rest:
            if kind is None:
                raise UnknownKind(resource)
            return kind
        version, group = "", rest
        first, _, remainder = rest.partition(".")
        if remainder and first.startswith("v") and first[1:2].isdigit():
            version, group = first, remainder
        if group in ("", "core") and kind is not None and kind.group == "":
            return kind
        kind = self._by_group_name.get((resource, group))
        if kind is None or (version and version != kind.version):
            raise UnknownKind(resource, group, version)
        return kind

    def for_api_version(self, api_version: str, kind: str) -> Kind | None:
        """The kind served at ``apiVersion``/``kind``, or None when this API does not serve it."""
        k = self._by_kind.get(kind)
        if k is None or k.api_version != api_version:
            return None
        return k

    def for_object(self, obj: Mapping[str, Any]) -> Kind:
        """The kind of a manifest, from its ``kind`` (and ``apiVersion`` when given)."""
        kind = obj.get("kind")
        if not isinstance(kind, str) or kind not in self._by_kind:
            raise UnknownKind(str(kind or ""))
        return self._by_kind[kind]


BUILTIN = Registry(KINDS)


def lookup(kind: str) -> Kind:
    """The built-in kind named exactly (``StatefulSet``); raises :class:`UnknownKind`."""
    return BUILTIN.lookup(kind)


def resolve(name: str | Kind) -> Kind:
    """Resolve a user-typed name to a built-in kind (see :meth:`Registry.resolve`)."""
    return BUILTIN.resolve(name)


def for_api_version(api_version: str, kind: str) -> Kind | None:
    """The built-in kind served at ``apiVersion``/``kind``, or None."""
    return BUILTIN.for_api_version(api_version, kind)


def for_object(obj: Mapping[str, Any]) -> Kind:
    """The built-in kind of a manifest, from its ``kind``."""
    return BUILTIN.for_object(obj)
