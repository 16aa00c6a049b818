"""The load-balancer controller of a bare-metal cluster (MetalLB in layer-2 mode, as a lab installs it).

It gives every ``type: LoadBalancer`` Service an address from the cluster's pool
(``Topology.load_balancer_pool``) and writes it to ``status.loadBalancer.ingress``, so ``kubectl get
svc`` shows it as EXTERNAL-IP; it records ``IPAllocated`` (``metallb-controller``) and, when the
announcing node changes, ``nodeAssigned`` (``metallb-speaker``). An address goes back to the pool
when its Service is deleted or stops being a LoadBalancer. Decisions: ``logic.loadbalancer``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from simk8s.api.frozen import get_in, thaw
from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.logic.loadbalancer import announcer, handled, ingress_ips, parse_pool, pick_address
from simk8s.store import WatchEvent
from simk8s.store.events import EventRecorder

__all__ = ["LoadBalancerController"]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


class LoadBalancerController(Controller):
    name = "metallb-controller"
    watch_kinds = frozenset(("Service", "Node", "EndpointSlice"))

    def __init__(self, core: Core) -> None:
        self.pool = parse_pool(core.topology.load_balancer_pool)
        self.recorder = EventRecorder(core.store, "metallb-controller")
        self.announced: dict[tuple[str, str], str | None] = {}
        super().__init__(core)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        kind = ev.kind.kind
        meta = ev.obj["metadata"]
        if kind == "Service":
            keys: list[Hashable] = []
            if handled(ev.obj) or ingress_ips(ev.obj) or (ev.old is not None and handled(ev.old)):
                keys.append((meta["namespace"], meta["name"]))
            if ingress_ips(ev.obj) and (ev.type == "DELETED" or not handled(ev.obj)):
                # Its address is free again: a Service waiting for one may get it now.
                keys.extend(self._waiting())
            return keys
        if kind == "Node":
            return [(s["metadata"]["namespace"], s["metadata"]["name"]) for s in self._lb_services()]
        svc = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        return [(meta["namespace"], svc)] if svc else ()

    def _lb_services(self) -> list[Any]:
        return [s for s in self.store.list("Service", None) if handled(s)]

    def _waiting(self) -> list[Hashable]:
        return [(s["metadata"]["namespace"], s["metadata"]["name"]) for s in self._lb_services()
                if not ingress_ips(s)]

    def sync(self, key: Any) -> float | None:
        ns, name = key
        svc = self.store.try_get("Service", name, ns)
        if svc is None:
            self.announced.pop(key, None)
            return None
        if not handled(svc):
            self.announced.pop(key, None)
            if ingress_ips(svc):
                status = thaw(svc.get("status") or {})
                status["loadBalancer"] = {}
                self.store.set_status("Service", name, ns, status, uid=svc["metadata"]["uid"])
            return None
        used = {ip: f"{s['metadata']['namespace']}/{s['metadata']['name']}"
                for s in self._lb_services() if s["metadata"]["uid"] != svc["metadata"]["uid"]
                for ip in ingress_ips(s)}
        ip, problem = pick_address(svc, self.pool, used)
        if ip is None:
            if ingress_ips(svc):
                svc = self._write(svc, [])
            self.recorder.event(svc, "Warning", "AllocationFailed", problem or "")
            return None
        if ingress_ips(svc) != [ip]:
            svc = self._write(svc, [ip])
            self.recorder.event(svc, "Normal", "IPAllocated", f'Assigned IP ["{ip}"]')
        self._announce(key, svc)
        return None

    def _write(self, svc: Any, ips: list[str]) -> Any:
        status = thaw(svc.get("status") or {})
        status["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "VIP"} for ip in ips]} if ips else {}
        return self.store.set_status("Service", svc["metadata"]["name"], svc["metadata"]["namespace"], status,
                                     uid=svc["metadata"]["uid"])

    def _announce(self, key: tuple[str, str], svc: Any) -> None:
        slices = self.store.list("EndpointSlice", key[0], where=lambda s: get_in(
            s, ("metadata", "labels", SERVICE_NAME_LABEL)) == key[1])
        node = announcer(svc, self.store.list("Node"), slices)
        if node is not None and self.announced.get(key) != node:
            EventRecorder(self.store, "metallb-speaker", host=node).event(
                svc, "Normal", "nodeAssigned", f'announcing from node "{node}" with protocol "layer2"')
        self.announced[key] = node
