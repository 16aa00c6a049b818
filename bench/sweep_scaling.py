"""Bench: runs per second of a sweep of the seed lab on Dask with 1, 2 and all local cores, against
the same points run by calling the same function in a plain loop, in this command.

    python bench/sweep_scaling.py [--points 1000] [--workers 1,2,N] [--loop-points 1000]

Each point is ``simk8s.sweep.run_point`` on ``scenarios/seed-lab.yaml`` with its own seed (every
measure on): the function the workers run. The Dask figures are ``run_sweep`` into a fresh table
(streaming, checkpoints, the final Parquet file) on a LocalCluster started and warmed up before the
clock starts (its start-up time is printed apart). The scaling ratio is runs/s on N workers over
runs/s on 1 (ideal: N); the overhead per run is (1-worker seconds - loop seconds) / points.
Compare the ratios, not the absolute figures, on a shared machine (the load average is printed).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster

from simk8s.sweep import SweepSpec, run_point, run_sweep, spec_from_dict

ROOT = Path(__file__).resolve().parent.parent


def spec(points: int) -> SweepSpec:
    return spec_from_dict({"name": "seed-lab", "scenario": "scenarios/seed-lab.yaml", "seeds": points},
                          source="bench", base=ROOT)


def loop(points: int) -> float:
    s = spec(points)
    items = [{"index": p.index, "key": p.key, "seed": p.seed, "params": dict(p.params)}
             for p in s.points()]
    payload = s.payload()
    run_point(payload, items[0])   # warm up (imports, templates), as the workers are
    start = time.perf_counter()
    for item in items:
        assert run_point(payload, item)["status"] == "ok"
    return time.perf_counter() - start


def dask(points: int, workers: int) -> tuple[float, float]:
    """(seconds for the sweep, seconds to start the cluster and warm its workers)."""
    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client, \
            tempfile.TemporaryDirectory() as tmp:
        run_sweep(spec(workers * 2), Path(tmp) / "warm", client=client, plots=False)
        startup = time.perf_counter() - t0
        start = time.perf_counter()
        result = run_sweep(spec(points), Path(tmp) / "out", client=client, plots=False)
        took = time.perf_counter() - start
        assert result.failed == 0 and result.ran == points
    return took, startup


def main() -> int:
    cores = os.cpu_count() or 1
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--loop-points", type=int, default=None, help="points for the plain loop (default: --points)")
    ap.add_argument("--workers", default=f"1,2,{cores}", help="worker counts (default 1,2,<cores>)")
    args = ap.parse_args()
    counts = sorted({int(w) for w in args.workers.split(",")})
    print(f"{args.points}-point sweep of scenarios/seed-lab.yaml; {cores} cores; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    n_loop = args.loop_points or args.points
    t_loop = loop(n_loop)
    loop_rate = n_loop / t_loop
    print(f"plain loop, this process:  {loop_rate:7.1f} runs/s  ({1000 * t_loop / n_loop:.1f} ms/run, "
          f"{n_loop} runs)", flush=True)
    base = None
    for w in counts:
        took, startup = dask(args.points, w)
        rate = args.points / took
        base = base or (rate if w == 1 else None)
        line = (f"dask, {w} worker{'s' if w > 1 else ' '}:        {rate:7.1f} runs/s  ({took:.1f} s; "
                f"cluster start {startup:.1f} s)")
        if w == 1:
            over = (took / args.points - t_loop / n_loop) * 1000
            line += f"; overhead {over:+.1f} ms/run ({100 * over / (1000 * t_loop / n_loop):+.0f} %) vs the loop"
        elif base:
            line += f"; scaling x{rate / base:.2f} (ideal x{w})"
        print(line, flush=True)
    print(f"load average now {os.getloadavg()[0]:.1f}")
    print("reproduce: python bench/sweep_scaling.py " + " ".join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
