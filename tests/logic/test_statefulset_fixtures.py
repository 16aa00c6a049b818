"""Shared builders for StatefulSet logic tests (plain dicts shaped like the API's)."""

from __future__ import annotations

import copy
from typing import Any


def make_set(name: str = "web", replicas: int = 3, *, policy: str = "OrderedReady",
             strategy: str = "RollingUpdate", partition: int | None = 0, image: str = "nginx:1",
             retention: tuple[str, str] | None = None, start: int | None = None,
             min_ready: int = 0, templates: tuple[str, ...] = ("www",), history: int = 10,
             max_unavailable: Any = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": replicas,
        "serviceName": "nginx",
        "selector": {"matchLabels": {"app": "nginx"}},
        "podManagementPolicy": policy,
        "revisionHistoryLimit": history,
        "minReadySeconds": min_ready,
        "template": {"metadata": {"labels": {"app": "nginx"}},
                     "spec": {"containers": [{"name": "nginx", "image": image}]}},
        "volumeClaimTemplates": [
            {"metadata": {"name": t}, "spec": {"accessModes": ["ReadWriteOnce"],
                                               "resources": {"requests": {"storage": "1Gi"}}}}
            for t in templates],
    }
    if strategy == "RollingUpdate":
        ru: dict[str, Any] = {}
        if partition is not None:
            ru["partition"] = partition
        if max_unavailable is not None:
            ru["maxUnavailable"] = max_unavailable
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": ru}
    else:
        spec["updateStrategy"] = {"type": "OnDelete"}
    if retention is not None:
        spec["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": retention[0], "whenScaled": retention[1]}
    if start is not None:
        spec["ordinals"] = {"start": start}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "generation": 1},
            "spec": spec, "status": {}}


def with_image(sts: dict[str, Any], image: str) -> dict[str, Any]:
    out = copy.deepcopy(sts)
    out["spec"]["template"]["spec"]["containers"][0]["image"] = image
    out["metadata"]["generation"] += 1
    return out


# ------------------------------------------------------------------------------ in-memory harness

from simk8s.api.frozen import freeze, thaw  # noqa: E402
from simk8s.logic import statefulset as S  # noqa: E402
from simk8s.logic.podutil import is_running_and_ready, parse_time  # noqa: E402
from simk8s.logic.revisions import compute_revisions, history_to_truncate  # noqa: E402

T0 = parse_time("2024-01-01T00:00:00Z")


def rfc3339(t: float) -> str:
    import datetime as dt
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Harness:
    """A tiny API + kubelet: applies plans to dicts of pods/claims/revisions; pods advance on request."""

    def __init__(self, sts: dict[str, Any], gate: bool = False, memo: bool = True) -> None:
        self.sts = sts
        self.gate = gate
        # With ``memo``, unchanged pods and claims keep their frozen objects between syncs (as the
        # store's do) and every plan made with a PlanMemo (and claims given as a mapping, as the
        # controller does) is checked against one made without.
        self.memo = S.PlanMemo() if memo else None
        self._frozen: dict[str, tuple[dict[str, Any], Any]] = {}
        self.pods: dict[str, dict[str, Any]] = {}
        self.claims: dict[str, dict[str, Any]] = {}
        self.revisions: dict[str, dict[str, Any]] = {}
        self.now = T0
        self.serial = 0
        self.events: list[S.Event] = []
        self.fail_on: Any = None  # predicate(action) -> error message or None

    def _uid(self) -> str:
        self.serial += 1
        return f"uid-{self.serial}"

    def sync(self) -> S.Plan:
        rp = compute_revisions(freeze(self.sts), [freeze(r) for r in self.revisions.values()])
        for r in (rp.to_create, rp.to_update):
            if r is not None:
                r = thaw(r)
                r["metadata"].setdefault("creationTimestamp", rfc3339(self.now))
                self.revisions[r["metadata"]["name"]] = r
        sts = freeze(self.sts)
        pods = [self._freeze("pod/" + n, x) for n, x in self.pods.items()]
        claims = [self._freeze("claim/" + n, x) for n, x in self.claims.items()]
        p = S.plan(sts, pods, claims, rp, self.now, max_unavailable_gate=self.gate)
        if self.memo is not None:
            by_name = {c["metadata"]["name"]: c for c in claims}   # claims as a name -> claim mapping
            assert S.plan(sts, pods, by_name, rp, self.now, max_unavailable_gate=self.gate, memo=self.memo) == p
        done = 0
        for a in p.actions:
            err = self.fail_on(a) if self.fail_on else None
            if err is None and isinstance(a, S.FailSync):
                err = a.error
            if err is not None:
                self.events += S.failure_events(a, err)
                break
            self.apply(a)
            done += 1
        self.sts = dict(self.sts, status=p.status_after(done))
        for name in history_to_truncate(self.sts, list(self.revisions.values()), list(self.pods.values()),
                                        rp.current, rp.update):
            del self.revisions[name]
        return p

    def _freeze(self, key: str, obj: dict[str, Any]) -> Any:
        if self.memo is None:
            return freeze(obj)
        hit = self._frozen.get(key)
        if hit is not None and hit[0] == obj:
            return hit[1]
        frozen = freeze(obj)
        self._frozen[key] = (thaw(frozen), frozen)
        return frozen

    def apply(self, a: S.Action) -> None:
        if isinstance(a, S.CreatePod):
            pod = thaw(a.pod)
            assert pod["metadata"]["name"] not in self.pods, "AlreadyExists"
            pod["metadata"].update(uid=self._uid(), creationTimestamp=rfc3339(self.now))
            pod["status"] = {"phase": "Pending"}
            self.pods[pod["metadata"]["name"]] = pod
            self.events.append(a.event)
        elif isinstance(a, S.CreateClaim):
            claim = thaw(a.claim)
            assert claim["metadata"]["name"] not in self.claims
            claim["metadata"]["uid"] = self._uid()
            claim["status"] = {"phase": "Pending"}
            self.claims[claim["metadata"]["name"]] = claim
            self.events.append(a.event)
        elif isinstance(a, S.UpdatePod):
            self.pods[a.pod["metadata"]["name"]] = thaw(a.pod)
            self.events.append(a.event)
        elif isinstance(a, S.UpdateClaim):
            self.claims[a.claim["metadata"]["name"]] = thaw(a.claim)
        elif isinstance(a, S.DeletePod):
            pod = self.pods[a.name]
            assert pod["metadata"]["uid"] == a.uid
            pod["metadata"]["deletionTimestamp"] = rfc3339(self.now)
            self.events.append(a.event)

    # -- kubelet / GC side
    def run(self, name: str) -> None:
        self.pods[name]["status"] = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "False", "lastTransitionTime": rfc3339(self.now)}]}

    def ready(self, name: str) -> None:
        self.pods[name]["status"] = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": rfc3339(self.now)}]}

    def remove(self, name: str) -> None:
        pod = self.pods.pop(name)
        # garbage collector: claims owned by this pod go away with it
        for cname, claim in list(self.claims.items()):
            if any(r.get("uid") == pod["metadata"]["uid"] for r in claim["metadata"].get("ownerReferences", [])):
                del self.claims[cname]

    def finish_terminations(self) -> None:
        for name in [n for n, p in self.pods.items() if p["metadata"].get("deletionTimestamp")]:
            self.remove(name)

    def settle(self, limit: int = 200) -> None:
        for _ in range(limit):
            p = self.sync()
            self.finish_terminations()
            for name, pod in self.pods.items():
                if not is_running_and_ready(pod):
                    self.ready(name)
            self.now += 1
            quiet = not p.actions and all(is_running_and_ready(x) for x in self.pods.values())
            if quiet and not self.sync().actions:
                return
        raise AssertionError("did not settle")

    def scale(self, replicas: int) -> None:
        self.sts = dict(self.sts, spec=dict(self.sts["spec"], replicas=replicas))

    def set_image(self, image: str) -> None:
        self.sts = with_image(self.sts, image)

    def names(self) -> list[str]:
        return sorted(self.pods, key=lambda n: int(n.rsplit("-", 1)[1]))
