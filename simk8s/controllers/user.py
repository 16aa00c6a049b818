"""A user's reconciler running as a controller of the cluster (``Cluster.add_controller``).

A reconciler is any object with ``watches`` (kind names whose changes wake it) and
``reconcile(handle, key) -> float | None``; it runs as a level-triggered work queue like the
built-in controllers, in virtual time. ``handle`` is what the user holds (the ``Cluster`` facade):
user code talks to the cluster through the user API, never through the core.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, Protocol

from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.store import WatchEvent

__all__ = ["Reconciler", "UserController"]


class Reconciler(Protocol):
    watches: tuple[str, ...]

    def reconcile(self, cluster: Any, key: tuple[str, str, str]) -> float | None: ...


class UserController(Controller):
    """Runs a user :class:`Reconciler` inside the cluster's event loop."""

    def __init__(self, core: Core, reconciler: Reconciler, *, handle: Any) -> None:
        self.reconciler = reconciler
        self.handle = handle
        self.name = type(reconciler).__name__
        super().__init__(core)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        if ev.kind.kind in self.reconciler.watches:
            return ((ev.kind.kind, ev.obj["metadata"].get("namespace", ""), ev.obj["metadata"]["name"]),)
        return ()

    def sync(self, key: Any) -> float | None:
        return self.reconciler.reconcile(self.handle, key)
