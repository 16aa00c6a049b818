"""Bench: StatefulSets to all-Ready, against a plain-simpy toy lifecycle baseline.

    python bench/statefulset_scale.py --mode parallel --replicas 10000 --nodes 1000
    python bench/statefulset_scale.py --mode ordered --sets 100 --replicas 100 --nodes 1000

Each set has a headless Service and one volumeClaimTemplate on the local-path class, so the
end-to-end path is StatefulSet controller -> PVC -> scheduler (WaitForFirstConsumer) -> local-path
provisioner -> PV binding -> kubelet -> Ready -> Endpoints/EndpointSlices (``--no-claims``: bare
pods). Prints wall time, pods per wall-second, simpy events, store writes, peak RSS, and the same
number of simpy events run by one toy process per pod in the same command.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from typing import Any

from toy import toy_lifecycle_seconds

from simk8s.cluster import Cluster, NodeSpec, Topology


def service(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"clusterIP": "None", "selector": {"app": name}, "ports": [{"port": 80, "name": "web"}]}}


def sts(name: str, replicas: int, parallel: bool, claims: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceName": name, "replicas": replicas, "podManagementPolicy": "Parallel" if parallel else "OrderedReady",
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
                     "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}
    if claims:
        spec["template"]["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
        spec["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name}, "spec": spec}


def run(mode: str, sets: int, replicas: int, nodes: int, seed: int, claims: bool) -> dict[str, Any]:
    topo = Topology(nodes=tuple(NodeSpec(f"node-{i:04d}", cpu="64", memory="256Gi", pods=110,
                                         ip=f"10.{i // 250}.{i % 250}.10") for i in range(nodes)),
                    storage_class="local-path" if claims else None, pod_cidr="10.128.0.0/9")
    cluster = Cluster(seed=seed, topology=topo)
    gc.freeze()
    t = time.perf_counter()
    for i in range(sets):
        cluster.store.create("Service", service(f"s{i:03d}"))
        cluster.store.create("StatefulSet", sts(f"s{i:03d}", replicas, mode == "parallel", claims))
    steps = 0
    while cluster.env.peek() != float("inf"):
        cluster.env.step()
        steps += 1
    wall = time.perf_counter() - t
    ready = sum(1 for p in cluster.store.list("Pod", None)
                if any(c.get("type") == "Ready" and c.get("status") == "True" for c in p["status"].get("conditions", [])))
    bound = sum(1 for c in cluster.store.list("PersistentVolumeClaim", None) if c["status"].get("phase") == "Bound")
    endpoints = sum(len(s.get("endpoints") or ()) for s in cluster.store.list("EndpointSlice", None)
                    if s["metadata"]["labels"].get("kubernetes.io/service-name") != "kubernetes")
    return {"wall": wall, "ready": ready, "events": steps, "writes": cluster.store.resource_version,
            "virtual": cluster.now, "bound": bound, "endpoints": endpoints}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("parallel", "ordered"), default="parallel")
    ap.add_argument("--sets", type=int, default=1)
    ap.add_argument("--replicas", type=int, default=10_000)
    ap.add_argument("--nodes", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-claims", dest="claims", action="store_false", help="bare pods, no volumeClaimTemplates")
    a = ap.parse_args()
    r = run(a.mode, a.sets, a.replicas, a.nodes, a.seed, a.claims)
    pods = a.sets * a.replicas
    base = toy_lifecycle_seconds(pods, r["events"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"simk8s: {a.sets} {a.mode} set(s) x {a.replicas} replicas on {a.nodes} nodes: {r['ready']}/{pods} Ready "
          f"in {r['wall']:.2f} s wall ({pods / r['wall']:.0f} pods/s; {r['virtual']:.0f} s virtual)")
    print(f"        {r['bound']} claims Bound, {r['endpoints']} endpoints in EndpointSlices; "
          f"{r['events']} simpy events, {r['writes']} store writes, peak RSS {peak:.0f} MB")
    print(f"baseline: the same {r['events']} simpy events in plain simpy: {base:.2f} s; "
          f"ratio {r['wall'] / base:.0f}x")


if __name__ == "__main__":
    main()
