"""Bench: N bare pods on M nodes from creation to Running, against a plain-simpy baseline.

    python bench/pods_running.py [--pods 10000] [--nodes 1000] [--seed 1]

Prints wall time, pods per wall-second, store writes, simpy events and peak memory (tracemalloc
is off: peak RSS from ``resource``), then the same number of simpy events run by a toy lifecycle
(one process per pod, plain timeouts) in the same command, and the ratio between the two.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from typing import Any

from toy import toy_lifecycle_seconds

from simk8s.cluster import Cluster, NodeSpec, Topology


def run_cluster(pods: int, nodes: int, seed: int) -> dict[str, Any]:
    topo = Topology(nodes=tuple(NodeSpec(f"node-{i:04d}", cpu="64", memory="256Gi", pods=110,
                                         ip=f"10.{i // 250}.{i % 250}.10") for i in range(nodes)),
                    storage_class=None, pod_cidr="10.128.0.0/9")
    t0 = time.perf_counter()
    cluster = Cluster(seed=seed, topology=topo)
    setup = time.perf_counter() - t0
    t1 = time.perf_counter()
    for i in range(pods):
        cluster.store.create("Pod", {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:05d}", "labels": {"app": "bench"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25",
                                     "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}})
    gc.freeze()
    steps = 0
    while cluster.env.peek() != float("inf"):
        cluster.env.step()
        steps += 1
    wall = time.perf_counter() - t1
    running = sum(1 for p in cluster.store.list("Pod", None) if p["status"].get("phase") == "Running")
    return {"setup_s": setup, "wall_s": wall, "running": running, "events": steps,
            "writes": cluster.store.resource_version, "virtual_s": cluster.now}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--nodes", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    r = run_cluster(args.pods, args.nodes, args.seed)
    base = toy_lifecycle_seconds(args.pods, r["events"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"simk8s: {r['running']}/{args.pods} pods Running on {args.nodes} nodes in {r['wall_s']:.2f} s wall "
          f"({args.pods / r['wall_s']:.0f} pods/s; {r['virtual_s']:.1f} s virtual; setup {r['setup_s']:.2f} s)")
    print(f"        {r['events']} simpy events, {r['writes']} store writes, peak RSS {peak_mb:.0f} MB")
    print(f"baseline: the same {r['events']} simpy events in plain simpy: {base:.2f} s")
    print(f"ratio simk8s / baseline: {r['wall_s'] / base:.1f}x")


if __name__ == "__main__":
    main()
