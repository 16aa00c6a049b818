"""Fuzz campaign: arbitrary and mutated manifests through decoding, validation and a short simulation.

    python -m fuzz.manifests [--manifests 100000] [--seed 1] [--per-cluster 50]

Each manifest is a valid object of a kind users write (Service, StatefulSet, Pod, Deployment,
PersistentVolumeClaim, NodePort Service) with up to three random mutations (values of the wrong
type or range, names such as ``C``, quantities such as ``lots``, fields deleted, unknown fields,
values wrapped in lists), written as JSON or YAML and applied as ``kubectl apply -f`` does to a
cluster shared by ``--per-cluster`` manifests (so some apply over an object a previous one
created). Every one must be either stored and simulated (2 virtual seconds, then ``kubectl get -o
wide`` and ``describe`` of it) without an exception, or refused with an ApiError or kubectl's own
error and the store unchanged (``simk8s.testing.manifests.check_manifest``). Every
``--per-cluster`` manifests the cluster runs 60 more seconds. Prints the figures (every 1,000, and at
the end or on Ctrl-C); exits 1 on any
other exception (printing the manifest). The suite runs a short version
(``tests/testing/test_manifest_fuzz.py``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback

from simk8s.cluster import Cluster
from simk8s.testing.manifests import check_manifest, random_manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--manifests", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-cluster", type=int, default=50)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    counts = {"stored": 0, "refused": 0}
    start = time.perf_counter()
    cluster = Cluster(seed=args.seed)
    done = 0
    try:
        done = _campaign(args, rng, counts, cluster, start)
    except KeyboardInterrupt:   # stopped early: the figures so far
        done = counts["stored"] + counts["refused"] + _FAILURES[0]
    failures = _FAILURES[0]
    seconds = time.perf_counter() - start
    print(f"manifests: {done}  stored and simulated: {counts['stored']}  refused: {counts['refused']}  "
          f"exceptions other than refusals: {failures}  time: {seconds:.0f} s")
    print(f"command: python -m fuzz.manifests --manifests {args.manifests} --seed {args.seed} "
          f"--per-cluster {args.per_cluster}")
    return 1 if failures else 0


_FAILURES = [0]


def _campaign(args: argparse.Namespace, rng: random.Random, counts: dict[str, int], cluster: Cluster,
              start: float) -> int:
    failures = 0
    for i in range(args.manifests):
        if i and i % args.per_cluster == 0:
            try:
                cluster.run(60)
            except Exception:
                failures += 1
                print(f"FAILED: the cluster of manifests {i - args.per_cluster}..{i - 1} did not run:",
                      file=sys.stderr)
                traceback.print_exc()
            cluster = Cluster(seed=args.seed + i)
        obj = random_manifest(rng)
        fmt = rng.choice(("json", "yaml"))
        try:
            counts[check_manifest(cluster, obj, fmt=fmt)] += 1
        except Exception:
            failures += 1
            print(f"FAILED: manifest {i} ({fmt}): {json.dumps(obj, default=str)[:2000]}", file=sys.stderr)
            traceback.print_exc()
            cluster = Cluster(seed=args.seed + i)
        _FAILURES[0] = failures
        if (i + 1) % 1000 == 0:
            print(f"{i + 1} manifests, {counts['stored']} stored, {counts['refused']} refused, {failures} failures, "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
    return args.manifests


if __name__ == "__main__":
    sys.exit(main())
