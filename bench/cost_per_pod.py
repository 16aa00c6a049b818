"""Bench: how the cost per pod grows with the cluster (issue 16 wants it flat), against the toy baseline.

    python bench/cost_per_pod.py                       # 1,000 pods on 100 nodes, then 10,000 on 1,000
    python bench/cost_per_pod.py --small 1000 --large 5000 --repeat 3

One StatefulSet with a headless Service and a claim template on local-path (the whole path of
``statefulset_scale.py``) at two sizes, ten pods per node; each run in a fresh interpreter, so the
second does not inherit the first one's heap (the toy too runs in a process of its own). Prints per size the CPU seconds per pod (the machine
is shared: CPU time, not wall time; the best of ``--repeat`` runs), the share of it spent in the
cycle collector, and the toy lifecycle's CPU seconds per pod for the same number of simpy events;
then the growth large/small, of simk8s and of the toy, and their quotient: 1.0 is flat.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def one(pods: int, nodes: int, seed: int) -> dict[str, Any]:
    """Run one size in this process: CPU seconds in total and in the cycle collector, simpy events."""
    from statefulset_scale import run

    in_gc = [0.0, 0.0]

    def collector(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            in_gc[1] = time.process_time()
        else:
            in_gc[0] += time.process_time() - in_gc[1]

    gc.callbacks.append(collector)
    t = time.process_time()
    r = run("parallel", 1, pods, nodes, seed, True)
    cpu = time.process_time() - t
    gc.callbacks.remove(collector)
    assert r["ready"] == pods and r["bound"] == pods, r
    return {"cpu": cpu, "gc": in_gc[0], "events": r["events"], "writes": r["writes"]}


def toy(pods: int, events: int) -> dict[str, Any]:
    """The toy lifecycle for the same pods and simpy events, in this (fresh) process: CPU seconds."""
    from toy import toy_lifecycle_seconds

    t = time.process_time()
    toy_lifecycle_seconds(pods, events)
    return {"toy": time.process_time() - t}


def child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True,
                         cwd=HERE).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def measure(pods: int, nodes: int, seed: int, repeat: int) -> dict[str, Any]:
    runs = [child("--one", str(pods), str(nodes), "--seed", str(seed)) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["cpu"])
    best["toy"] = min(child("--toy", str(pods), str(best["events"]))["toy"] for _ in range(repeat))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1_000, help="pods in the small cluster (nodes: a tenth)")
    ap.add_argument("--large", type=int, default=10_000, help="pods in the large cluster (nodes: a tenth)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size; the best is kept")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one", nargs=2, type=int, metavar=("PODS", "NODES"), help=argparse.SUPPRESS)
    ap.add_argument("--toy", nargs=2, type=int, metavar=("PODS", "EVENTS"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one or a.toy:
        print(json.dumps(one(a.one[0], a.one[1], a.seed) if a.one else toy(*a.toy)))
        return
    rows = {}
    for pods in (a.small, a.large):
        r = rows[pods] = measure(pods, max(1, pods // 10), a.seed, a.repeat)
        print(f"{pods:>6} pods on {max(1, pods // 10):>5} nodes: simk8s {r['cpu'] / pods * 1e3:6.2f} ms/pod "
              f"(cycle collector {r['gc'] / pods * 1e3:.2f}), {r['writes'] / pods:.1f} writes and "
              f"{r['events'] / pods:.1f} simpy events per pod; toy lifecycle {r['toy'] / pods * 1e3:.3f} ms/pod "
              f"(simk8s/toy {r['cpu'] / r['toy']:.0f}x)", flush=True)
    small, large = rows[a.small], rows[a.large]
    growth = (large["cpu"] / a.large) / (small["cpu"] / a.small)
    toy_growth = (large["toy"] / a.large) / (small["toy"] / a.small)
    print(f"cost per pod, {a.large} vs {a.small} pods: simk8s x{growth:.2f}, toy x{toy_growth:.2f}; "
          f"growth relative to the toy x{growth / toy_growth:.2f} (flat: 1.0)")


if __name__ == "__main__":
    main()
