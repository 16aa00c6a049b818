"""Authorization of API requests against the cluster's RBAC objects, for every face that serves users.

``Authorizer(store).authorize(user, attrs)`` reads the Roles, ClusterRoles and bindings (cached
until one of them changes) and decides with :mod:`simk8s.logic.rbac`; ``check`` raises the API
server's :class:`~simk8s.api.errors.Forbidden`. :class:`AuthorizedStore` wraps a store so that each
request a client makes through it (get, list, create, update, patch, delete, scale) is authorized
first, as the API server's filter chain does before admission and validation. The emulated
kubectl uses it for ``--as``; ``simk8s serve`` can use the same object for its users.

Users come from :func:`impersonate` (kubectl's ``--as``/``--as-group``: a service account name
``system:serviceaccount:<ns>:<name>`` gets its groups; everyone non-anonymous gets
``system:authenticated``, as the impersonation filter adds it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import simk8s.api.kinds as kinds
from simk8s.api.errors import Forbidden
from simk8s.api.kinds import Kind
from simk8s.logic.rbac import Attributes, Decision, Policy, User, authorize, forbidden_message
from simk8s.logic.rbac_bootstrap import ADMIN_USER
from simk8s.store import Store

__all__ = ["ADMIN", "AuthorizedStore", "Authorizer", "attributes", "impersonate"]

ADMIN = User(ADMIN_USER[0], ADMIN_USER[1])
_RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")


def impersonate(name: str, groups: Sequence[str] = ()) -> User:
    """The user the API server's impersonation filter builds for ``--as NAME --as-group G...``."""
    groups = list(groups)
    prefix = "system:serviceaccount:"
    if name.startswith(prefix) and not groups:
        ns = name[len(prefix):].partition(":")[0]
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{ns}"]
    if name != "system:anonymous" and not {"system:authenticated", "system:unauthenticated"} & set(groups):
        groups.append("system:authenticated")
    return User(name, tuple(groups))


def attributes(verb: str, kind: Kind | str, namespace: str | None = "", name: str = "",
               subresource: str = "") -> Attributes:
    """A resource request's attributes; cluster-scoped kinds drop the namespace."""
    k = kinds.resolve(kind) if isinstance(kind, str) else kind
    return Attributes(verb, k.plural, k.group, (namespace or "") if k.namespaced else "", name, subresource)


class Authorizer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: tuple[tuple[int, ...], Policy] | None = None

    def policy(self) -> Policy:
        version = tuple(self.store.kind_version(k) for k in _RBAC_KINDS)
        if self._cache is None or self._cache[0] != version:
            s = self.store
            self._cache = (version, Policy.of(s.list("Role", None), s.list("ClusterRole"),
                                              s.list("RoleBinding", None), s.list("ClusterRoleBinding")))
        return self._cache[1]

    def authorize(self, user: User, attrs: Attributes) -> Decision:
        return authorize(self.policy(), user, attrs)

    def check(self, user: User, attrs: Attributes) -> None:
        """Raise the API server's Forbidden unless ``user`` may make the request."""
        decision = self.authorize(user, attrs)
        if not decision.allowed:
            details: dict[str, Any] = {"kind": attrs.resource}
            if attrs.name:
                details["name"] = attrs.name
            if attrs.api_group:
                details["group"] = attrs.api_group
            raise Forbidden(forbidden_message(user, attrs, decision.reason), details=details)


class AuthorizedStore:
    """A store as one user sees it through the API: every request authorized before it runs.

    Reads and writes the simulator's own components make never go through it; anything not
    listed here is passed through unchanged (clock, watch log, subscriptions).
    """

    def __init__(self, store: Store, user: User, authorizer: Authorizer | None = None) -> None:
        self._store = store
        self.user = user
        self.authorizer = authorizer or Authorizer(store)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _check(self, verb: str, kind: Any, namespace: str | None, name: str = "", subresource: str = "") -> None:
        k = self._store.kinds.resolve(kind)
        self.authorizer.check(self.user, attributes(verb, k, namespace or ("default" if k.namespaced else ""),
                                                    name, subresource))

    def check(self, verb: str, kind: Any, namespace: str | None, name: str = "", subresource: str = "") -> None:
        """Authorize a request the store API has no method for (``pods/exec``, ``pods/log``)."""
        self._check(verb, kind, namespace, name, subresource)

    def get(self, kind: Any, name: str, namespace: str | None = None) -> Any:
        self._check("get", kind, namespace, name)
        return self._store.get(kind, name, namespace)

    def try_get(self, kind: Any, name: str, namespace: str | None = None) -> Any:
        self._check("get", kind, namespace, name)
        return self._store.try_get(kind, name, namespace)

    def list(self, kind: Any, namespace: str | None = None, **kw: Any) -> Any:
        k = self._store.kinds.resolve(kind)
        self.authorizer.check(self.user, attributes("list", k, namespace or ""))
        return self._store.list(kind, namespace, **kw)

    def create(self, kind: Any, obj: Any, namespace: str | None = None, **kw: Any) -> Any:
        ns = namespace or (obj.get("metadata") or {}).get("namespace")
        self._check("create", kind, ns)
        return self._store.create(kind, obj, namespace, **kw)

    def update(self, kind: Any, obj: Any, **kw: Any) -> Any:
        meta = obj.get("metadata") or {}
        self._check("update", kind, meta.get("namespace"), meta.get("name", ""), kw.get("subresource") or "")
        return self._store.update(kind, obj, **kw)

    def patch(self, kind: Any, name: str, patch: Any, namespace: str | None = None, **kw: Any) -> Any:
        self._check("patch", kind, namespace, name, kw.get("subresource") or "")
        return self._store.patch(kind, name, patch, namespace, **kw)

    def mutate(self, kind: Any, name: str, namespace: str | None, fn: Callable[[dict[str, Any]], Any],
               **kw: Any) -> Any:
        self._check("update", kind, namespace, name)
        return self._store.mutate(kind, name, namespace, fn, **kw)

    def delete(self, kind: Any, name: str, namespace: str | None = None, **kw: Any) -> Any:
        self._check("delete", kind, namespace, name)
        return self._store.delete(kind, name, namespace, **kw)

    def scale(self, kind: Any, name: str, replicas: int, namespace: str | None = None) -> Any:
        self._check("patch", kind, namespace, name, "scale")
        return self._store.scale(kind, name, replicas, namespace)
