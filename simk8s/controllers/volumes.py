"""The PersistentVolume controller, the local-path provisioner and the protection controllers.

Claims bind to matching volumes (static binding) or wait for a provisioned one: with
WaitForFirstConsumer, only after the scheduler has picked a node (the ``selected-node``
annotation). Released volumes are reclaimed by their policy. The ``pvc-protection`` and
``pv-protection`` finalizers hold a claim while a pod uses it and a volume while it is bound.
"""

from __future__ import annotations

from collections.abc import Generator, Hashable, Iterable
from typing import Any

import simpy

from simk8s.api.errors import AlreadyExists, ApiError
from simk8s.api.frozen import FrozenDict, get_in, thaw
from simk8s.api.typed import PodView, VolumeView
from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.logic import volumes as vl
from simk8s.store import WatchEvent
from simk8s.store.events import EventRecorder

__all__ = ["PersistentVolumeController", "binding_candidates", "claim_in_use", "pods_using_claim"]

SELECTED_NODE = "volume.kubernetes.io/selected-node"
LOCAL_PATH = "rancher.io/local-path"


def pods_using_claim(store: Any, ns: str, claim: str) -> list[FrozenDict]:
    return list(store.by_index("Pod", "claim", (ns, claim)))


def binding_candidates(store: Any, claim: FrozenDict) -> list[FrozenDict]:
    """The volumes ``find_matching_volume`` could pick for ``claim``, in name order: unclaimed ones,
    ones whose claimRef names it, and the one its ``spec.volumeName`` names (it skips all others)."""
    md = claim["metadata"]
    found = {pv["metadata"]["name"]: pv for pv in (
        *store.by_index("PersistentVolume", "claim-ref", None),
        *store.by_index("PersistentVolume", "claim-ref", (md.get("namespace", "default"), md["name"])))}
    named = (claim.get("spec") or {}).get("volumeName")
    if named and named not in found and (pv := store.try_get("PersistentVolume", named)) is not None:
        found[named] = pv
    return [found[n] for n in sorted(found)]


def claim_in_use(store: Any, ns: str, claim: str) -> bool:
    """pvc-protection (podUsesPVC): a claim is in use while a pod scheduled to a node names it, in
    any phase, until the pod object is gone. A pod that is not scheduled does not hold it: the
    kubelet never starts a pod whose claim is being deleted."""
    return any(PodView(p).node_name for p in pods_using_claim(store, ns, claim))


class PersistentVolumeController(Controller):
    name = "persistentvolume-controller"
    watch_kinds = frozenset(('PersistentVolumeClaim', 'PersistentVolume', 'Pod'))

    def __init__(self, core: Core) -> None:
        self.recorder = EventRecorder(core.store, "persistentvolume-controller")
        self.provisioner_events = EventRecorder(
            core.store, f"{LOCAL_PATH}_local-path-provisioner-7d4b4bb9c5-x2k4d_0a1b2c3d")
        self.provisioning: set[str] = set()
        self.deprovisioning: set[str] = set()
        super().__init__(core)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        kind = ev.kind.kind
        meta = ev.obj["metadata"]
        if kind == "PersistentVolumeClaim":
            keys: list[Hashable] = [("claim", meta["namespace"], meta["name"])]
            vol = get_in(ev.obj, ("spec", "volumeName"))
            if vol:
                keys.append(("volume", vol))
            if ev.type == "DELETED":
                keys.extend(("volume", pv["metadata"]["name"]) for pv in self.store.list(
                    "PersistentVolume", where=lambda pv: get_in(pv, ("spec", "claimRef", "uid")) == meta["uid"]))
            return keys
        if kind == "PersistentVolume":
            keys = [("volume", meta["name"])]
            ref = get_in(ev.obj, ("spec", "claimRef"))
            if ref:
                keys.append(("claim", ref.get("namespace", ""), ref.get("name", "")))
            else:
                # A newly available volume may satisfy a pending claim.
                keys.extend(("claim", c["metadata"]["namespace"], c["metadata"]["name"]) for c in self.store.list(
                    "PersistentVolumeClaim", None, where=lambda c: get_in(c, ("status", "phase")) == "Pending"))
            return keys
        if kind == "Pod":
            # pvc-protection's filter: only pods that can let a finalizer go (deleted, terminated or
            # not yet on a node) are worth looking at the claims of.
            pod = PodView(ev.obj)
            if ev.type != "DELETED" and not pod.terminal and pod.node_name:
                return ()
            return [("claim", pod.namespace, claim) for claim in pod.claims]
        return ()

    # ------------------------------------------------------------------------------- claims
    def sync(self, key: Any) -> float | None:
        if key[0] == "claim":
            return self._sync_claim(key[1], key[2])
        return self._sync_volume(key[1])

    def _sync_claim(self, ns: str, name: str) -> float | None:
        claim = self.store.try_get("PersistentVolumeClaim", name, ns)
        if claim is None:
            return None
        meta = claim["metadata"]
        if meta.get("deletionTimestamp") and "kubernetes.io/pvc-protection" in (meta.get("finalizers") or ()) \
                and not claim_in_use(self.store, ns, name):
            self._drop_finalizer("PersistentVolumeClaim", name, ns, "kubernetes.io/pvc-protection")
            return None
        phase = get_in(claim, ("status", "phase"))
        if phase == "Bound":
            pv = self.store.try_get("PersistentVolume", claim["spec"].get("volumeName", ""))
            if pv is None:
                self._set_claim_phase(claim, "Lost")
                self.recorder.event(claim, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. "
                                    "Data on the volume is lost!")
            return None
        if phase == "Lost":
            return None
        # A volume provisioned for (or pre-bound to) this claim.
        for pv in self.store.by_index("PersistentVolume", "claim-uid", meta["uid"]):
            if not pv["metadata"].get("deletionTimestamp"):
                self._bind(claim, pv)
                return None
        sc_name = claim["spec"].get("storageClassName")
        sc = self.store.try_get("StorageClass", sc_name) if sc_name else None
        wffc = sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer"
        selected = (meta.get("annotations") or {}).get(SELECTED_NODE)
        node = self.store.try_get("Node", selected) if selected else None
        if not wffc or selected:
            match = vl.find_matching_volume(claim, binding_candidates(self.store, claim), node)
            if match is not None:
                self._bind(claim, self.store.get("PersistentVolume", match["metadata"]["name"]))
                return None
        if wffc and not selected:
            self.recorder.event(claim, "Normal", "WaitForFirstConsumer",
                                "waiting for first consumer to be created before binding")
            return None
        if sc is None:
            if not sc_name:
                self.recorder.event(claim, "Normal", "FailedBinding",
                                    "no persistent volumes available for this claim and no storage class is set")
            else:
                self.recorder.event(claim, "Warning", "ProvisioningFailed",
                                    f'storageclass.storage.k8s.io "{sc_name}" not found')
            return None
        provisioner = sc.get("provisioner", "")
        ann = meta.get("annotations") or {}
        if ann.get("volume.kubernetes.io/storage-provisioner") != provisioner:
            body = thaw(claim)
            anns = body["metadata"].setdefault("annotations", {})
            anns["volume.beta.kubernetes.io/storage-provisioner"] = provisioner
            anns["volume.kubernetes.io/storage-provisioner"] = provisioner
            claim = self.store.update("PersistentVolumeClaim", body)
        self.recorder.event(claim, "Normal", "ExternalProvisioning",
                            f"Waiting for a volume to be created either by the external provisioner "
                            f"'{provisioner}' or manually by the system administrator. If volume creation is "
                            f"delayed, please verify that the provisioner is running and correctly registered.")
        if provisioner == LOCAL_PATH and meta["uid"] not in self.provisioning:
            self.provisioning.add(meta["uid"])
            self.env.process(self._provision(claim, sc, selected))
        return None

    def _provision(self, claim: FrozenDict, sc: FrozenDict, node: str | None) -> Generator[simpy.Event, Any, None]:
        ns, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        uid = claim["metadata"]["uid"]
        try:
            self.provisioner_events.event(claim, "Normal", "Provisioning",
                                          f'External provisioner is provisioning volume for claim "{ns}/{name}"')
            # local-path: a directory on one node, so only single-node access modes.
            modes = set(get_in(claim, ("spec", "accessModes")) or ())
            problem = ("configuration error, no node was specified" if not node else
                       "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes"
                       if modes - {"ReadWriteOnce", "ReadWriteOncePod"} else None)
            if problem:
                self.provisioner_events.event(
                    claim, "Warning", "ProvisioningFailed",
                    f"failed to provision volume with StorageClass \"{sc['metadata']['name']}\": {problem}")
                return
            assert node is not None
            yield self.env.timeout(self.core.timing.draw(self.core.rng, self.core.timing.provision))
            cur = self.store.try_get("PersistentVolumeClaim", name, ns)
            if cur is None or cur["metadata"]["uid"] != uid:
                return
            pv = vl.provision_volume(cur, sc, node, self.store.timestamp())
            try:
                created = self.store.create("PersistentVolume", pv)
            except AlreadyExists:
                return
            self.core.volume_data.setdefault(created["metadata"]["name"], None)
            self.provisioner_events.event(cur, "Normal", "ProvisioningSucceeded",
                                          f"Successfully provisioned volume {created['metadata']['name']}")
        finally:
            self.provisioning.discard(uid)

    def _bind(self, claim: FrozenDict, pv: FrozenDict) -> None:
        ns, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        pv_body = thaw(pv)
        ref = pv_body["spec"].get("claimRef")
        if not ref or ref.get("uid") != claim["metadata"]["uid"]:
            pv_body["spec"]["claimRef"] = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": name,
                                           "namespace": ns, "resourceVersion": claim["metadata"]["resourceVersion"],
                                           "uid": claim["metadata"]["uid"]}
            pv_body["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bound-by-controller"] = "yes"
            pv = self.store.update("PersistentVolume", pv_body)
        if get_in(pv, ("status", "phase")) != "Bound":
            status = dict(pv.get("status") or {})
            status["phase"] = "Bound"
            status.pop("lastPhaseTransitionTime", None)
            status["lastPhaseTransitionTime"] = self.store.timestamp()
            self.store.set_status("PersistentVolume", pv["metadata"]["name"], None, status)
        body = thaw(self.store.get("PersistentVolumeClaim", name, ns))
        anns = body["metadata"].setdefault("annotations", {})
        anns["pv.kubernetes.io/bind-completed"] = "yes"
        if not claim["spec"].get("volumeName"):
            anns["pv.kubernetes.io/bound-by-controller"] = "yes"
        body["metadata"]["annotations"] = dict(sorted(anns.items()))
        body["spec"]["volumeName"] = pv["metadata"]["name"]
        claim = self.store.update("PersistentVolumeClaim", body)
        self.store.set_status("PersistentVolumeClaim", name, ns, {
            "accessModes": pv["spec"].get("accessModes", []), "capacity": pv["spec"].get("capacity", {}),
            "phase": "Bound"})

    def _set_claim_phase(self, claim: FrozenDict, phase: str) -> None:
        status = dict(claim.get("status") or {})
        status["phase"] = phase
        self.store.set_status("PersistentVolumeClaim", claim["metadata"]["name"], claim["metadata"]["namespace"],
                              status)

    # ------------------------------------------------------------------------------ volumes
    def _sync_volume(self, name: str) -> float | None:
        pv = self.store.try_get("PersistentVolume", name)
        if pv is None:
            self.core.volume_data.pop(name, None)
            return None
        meta = pv["metadata"]
        phase = get_in(pv, ("status", "phase"))
        if meta.get("deletionTimestamp") and phase != "Bound":
            if "kubernetes.io/pv-protection" in (meta.get("finalizers") or ()):
                self._drop_finalizer("PersistentVolume", name, None, "kubernetes.io/pv-protection")
            return None
        # A Bound volume being deleted is still synced: once its claim goes it turns Released, and
        # pv-protection lets it go.
        ref = get_in(pv, ("spec", "claimRef"))
        if not ref:
            if phase != "Available":
                self._set_volume_phase(pv, "Available")
            return None
        claim = self.store.try_get("PersistentVolumeClaim", ref.get("name", ""), ref.get("namespace"))
        if claim is not None and (not ref.get("uid") or claim["metadata"]["uid"] == ref["uid"]):
            # Bound, or reserved for this claim until the claim's sync binds it.
            if phase != "Bound" and claim["spec"].get("volumeName") == name:
                self._set_volume_phase(pv, "Bound")
            return None
        if not ref.get("uid"):
            if phase != "Available":
                self._set_volume_phase(pv, "Available")
            return None
        # The claim is gone: the volume is released and reclaimed by its policy.
        if phase != "Released":
            pv = self._set_volume_phase(pv, "Released")
        policy = pv["spec"].get("persistentVolumeReclaimPolicy", "Retain")
        if policy == "Delete" and name not in self.deprovisioning:
            self.deprovisioning.add(name)
            self.env.process(self._deprovision(name))
        return None

    def _deprovision(self, name: str) -> Generator[simpy.Event, Any, None]:
        try:
            pv = self.store.try_get("PersistentVolume", name)
            node = None
            if pv is not None:
                for term in VolumeView(pv).node_affinity_terms:
                    for expr in term.get("matchExpressions") or ():
                        if expr.get("key") == "kubernetes.io/hostname" and expr.get("values"):
                            node = expr["values"][0]
            if node is not None:
                # The helper pod runs on the volume's node: a dead node never cleans up.
                kubelet = self.core.kubelet(node)
                while kubelet is not None and not kubelet.alive:
                    yield kubelet.up
            yield self.env.timeout(self.core.timing.draw(self.core.rng, self.core.timing.deprovision))
            try:
                self.store.delete("PersistentVolume", name)
            except ApiError:
                pass
        finally:
            self.deprovisioning.discard(name)

    def _set_volume_phase(self, pv: FrozenDict, phase: str) -> FrozenDict:
        status = dict(pv.get("status") or {})
        status["phase"] = phase
        status["lastPhaseTransitionTime"] = self.store.timestamp()
        return self.store.set_status("PersistentVolume", pv["metadata"]["name"], None, status)

    def _drop_finalizer(self, kind: str, name: str, ns: str | None, finalizer: str) -> None:
        def drop(body: dict[str, Any]) -> None:
            body["metadata"]["finalizers"] = [f for f in body["metadata"].get("finalizers", []) if f != finalizer]

        self.store.mutate(kind, name, ns, drop)
