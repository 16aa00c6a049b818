"""The cluster's DNS view: a :class:`~simk8s.logic.dns.DnsIndex` fed by the store's watch.

``dns_snapshot(core)`` gives the snapshot CoreDNS answers from. The first call loads the index
from the store and subscribes it to the changes of Namespaces, Services, EndpointSlices and Pods;
later calls hand out the same snapshot until one of those kinds changed, and then a new one that
rebuilds only the Services whose own objects changed (a write to one pod no longer rebuilds the
whole view). The SOA serial is the newest resourceVersion among those kinds, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simk8s.fastpaths import FAST
from simk8s.logic.dns import DnsConfig, DnsIndex, DnsSnapshot
from simk8s.store import WatchEvent

if TYPE_CHECKING:
    from simk8s.core import Core

__all__ = ["DnsView", "dns_snapshot"]

#: The kinds the view reads, in the order it loads them.
DNS_KINDS = ("Namespace", "Service", "EndpointSlice", "Pod")


class DnsView:
    """One cluster's index, kept current by a store subscription (copied along by ``Cluster.fork``)."""

    def __init__(self, core: Core, config: DnsConfig) -> None:
        self.config = config
        self.index = DnsIndex(config, keep_answers=FAST.memos)
        store = core.store
        for kind in DNS_KINDS:
            for obj in store.list(kind, None):
                self.index.apply(kind, obj, None)
        self.active = True
        store.subscribe(self._on_event, DNS_KINDS)
        self.version: tuple[int, ...] = ()
        self.snapshot: DnsSnapshot | None = None

    @classmethod
    def fixed(cls, config: DnsConfig, snapshot: DnsSnapshot, version: tuple[int, ...]) -> DnsView:
        """A view that only holds one snapshot (what the fast path off keeps between changes)."""
        view = cls.__new__(cls)
        view.config, view.index, view.active = config, DnsIndex(config), False
        view.snapshot, view.version = snapshot, version
        return view

    def _on_event(self, ev: WatchEvent) -> None:
        if self.active:
            self.index.apply(ev.kind.kind, ev.obj, ev.old, deleted=ev.type == "DELETED")


def dns_snapshot(core: Core) -> DnsSnapshot:
    """The DNS snapshot of ``cluster`` now (the same object for as long as nothing it reads changed)."""
    store = core.store
    version = tuple(store.kind_version(k) for k in DNS_KINDS)
    view: DnsView | None = core.dns_view
    if view is not None and view.version == version and view.snapshot is not None:
        return view.snapshot
    config = core.dns_config
    if not FAST.dns_view:   # the fast path off: built afresh from the store
        snap = DnsSnapshot.build(store.list("Namespace"), store.list("Service", None),
                                 store.list("EndpointSlice", None), store.list("Pod", None), config,
                                 serial=max(version) if version else 0)
        if view is not None:
            view.active = False
        view = core.dns_view = DnsView.fixed(config, snap, version)
        return snap
    if view is None or view.config != config or not view.active:
        if view is not None:
            view.active = False     # replaced (the configuration changed): its subscription idles
        view = DnsView(core, config)
        core.dns_view = view
    view.snapshot = view.index.snapshot(serial=max(version) if version else 0)
    view.version = version
    return view.snapshot
