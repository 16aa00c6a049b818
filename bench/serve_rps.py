"""Bench: simk8s serve under load, against a plain aiohttp "hello" handler in the same command.

    python bench/serve_rps.py [--pods 1000] [--clients 32] [--seconds 5] [--watches 100] [--events 200]

The server runs in a child process (as `simk8s serve` would), the load comes from this process
over keep-alive connections (aiohttp client, ``--clients`` concurrent requesters):
1. ``GET /api/v1/namespaces/default/pods`` (JSON, all ``--pods`` pods) and the same as a
   server-side Table (what ``kubectl get pods`` asks for): requests/s, p50 and p99 latency;
2. the baseline: a child process serving ``GET /hello`` -> ``hello`` with plain aiohttp, loaded
   the same way; the ratio simk8s / hello;
3. ``--watches`` concurrent watches on pods while ``--events`` pod changes are made: the time until
   every watcher has received every event, and events delivered per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
from typing import Any

import aiohttp
from aiohttp import web

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def _serve_cluster(pods: int, port_out: Any) -> None:
    from simk8s import Cluster, Topology
    from simk8s.serve import Server

    c = Cluster(seed=1, topology=Topology.workers(20))
    for i in range(pods):
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i:04d}", "labels": {"app": "bench"}},
                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    c.settle()

    async def main() -> None:
        server = Server(c, port=0, speed=None)
        await server.start()
        port_out.send(server.port)
        await server.serve_forever()

    asyncio.run(main())


def _serve_hello(port_out: Any) -> None:
    async def hello(_: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/hello", hello)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


def _start(target: Any, *args: Any) -> tuple[mp.Process, int]:
    parent, child = mp.Pipe()
    p = mp.Process(target=target, args=(*args, child), daemon=True)
    p.start()
    return p, int(parent.recv())


async def _load(url: str, clients: int, seconds: float, headers: dict[str, str]) -> tuple[float, list[float]]:
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker() -> None:
            while time.perf_counter() < end:
                t = time.perf_counter()
                async with session.get(url, headers=headers) as r:
                    await r.read()
                    assert r.status == 200, r.status
                latencies.append(time.perf_counter() - t)
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, latencies


def _pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000


async def _watches(base: str, watches: int, events: int) -> tuple[float, int]:
    """Open ``watches`` watches, make ``events`` label changes, wait until all saw all."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async with session.get(f"{base}/api/v1/namespaces/default/pods?limit=1") as r:
            rv = (await r.json())["metadata"]["resourceVersion"]
        got = [0] * watches
        done = asyncio.Event()

        async def watch(i: int) -> None:
            url = f"{base}/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}&timeoutSeconds=600"
            async with session.get(url) as r:
                async for line in r.content:
                    if b'"bench":"' in line:   # one of our changes (cheaper than parsing every line)
                        got[i] += 1
                        if min(got) >= events:
                            done.set()
                        if got[i] >= events:
                            return

        tasks = [asyncio.create_task(watch(i)) for i in range(watches)]
        await asyncio.sleep(1.0)
        start = time.perf_counter()
        for n in range(events):
            async with session.patch(f"{base}/api/v1/namespaces/default/pods/p{n % 1000:04d}",
                                     data=json.dumps({"metadata": {"labels": {"bench": str(n)}}}),
                                     headers={"Content-Type": "application/merge-patch+json"}) as r:
                assert r.status == 200, await r.text()
        await asyncio.wait_for(done.wait(), 300)
        elapsed = time.perf_counter() - start
        for t in tasks:
            t.cancel()
        return elapsed, sum(got)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--watches", type=int, default=100)
    ap.add_argument("--events", type=int, default=200)
    a = ap.parse_args()
    mp.set_start_method("spawn")
    sim, sim_port = _start(_serve_cluster, a.pods)
    hello, hello_port = _start(_serve_hello)
    base = f"http://127.0.0.1:{sim_port}"
    try:
        h_rps, h_lat = asyncio.run(_load(f"http://127.0.0.1:{hello_port}/hello", a.clients, a.seconds, {}))
        j_rps, j_lat = asyncio.run(_load(f"{base}/api/v1/namespaces/default/pods", a.clients, a.seconds,
                                         {"Accept": "application/json"}))
        t_rps, t_lat = asyncio.run(_load(f"{base}/api/v1/namespaces/default/pods?limit=500", a.clients, a.seconds,
                                         {"Accept": TABLE}))
        w_secs, delivered = asyncio.run(_watches(base, a.watches, a.events))
    finally:
        sim.kill()
        hello.kill()
    print(f"keep-alive, {a.clients} concurrent clients, {a.seconds:g} s each, {a.pods} pods")
    print(f"{'':34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'p99/p50':>9}")
    for name, rps, lat in (("aiohttp hello (baseline)", h_rps, h_lat), ("get pods (JSON list)", j_rps, j_lat),
                           ("get pods (Table, limit=500)", t_rps, t_lat)):
        print(f"{name:34}{rps:9.1f}{_pct(lat, 0.5):9.2f}{_pct(lat, 0.99):9.2f}"
              f"{_pct(lat, 0.99) / _pct(lat, 0.5):9.2f}")
    print(f"ratio get pods JSON / hello: {j_rps / h_rps:.4f}   Table / hello: {t_rps / h_rps:.4f}")
    print(f"{a.watches} watches x {a.events} events: all delivered in {w_secs:.2f} s "
          f"({delivered / w_secs:.0f} events/s delivered, {a.events / w_secs:.1f} changes/s)")
    print("reproduce: python bench/serve_rps.py " + " ".join(
        f"--{k} {v:g}" if isinstance(v, float) else f"--{k} {v}" for k, v in vars(a).items()))


if __name__ == "__main__":
    main()
