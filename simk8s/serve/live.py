"""``simk8s serve``: build the cluster from manifests or a scenario, then serve it until Ctrl-C.

The cluster's wall clock starts at the real "now": manifests are applied at virtual time 0 on a
cluster whose epoch is the moment the command started; a scenario is replayed once to learn how
long it lasts and again with its epoch that much earlier, so that its end is "now" (the replay is
deterministic, so both runs are the same). At ``--speed 1`` every timestamp then reads as your
own clock does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import yaml

from simk8s.api.errors import ApiError
from simk8s.api.kinds import UnknownKind
from simk8s.cluster import Cluster
from simk8s.scenario import ScenarioError, load_scenario, run_scenario
from simk8s.serve.app import Server
from simk8s.serve.endpoint import wall_epoch, write_kubeconfig
from simk8s.store.apply import ApplyError

__all__ = ["build_cluster", "main", "parse_speed"]


class ServeError(Exception):
    """A one-line reason ``simk8s serve`` cannot start."""


def parse_speed(text: str) -> float | None:
    if text in ("max", "idle", "0"):
        return None
    try:
        speed = float(text)
    except ValueError:
        raise ServeError(f"--speed: expected a positive number or 'max', not {text!r}") from None
    if not speed > 0 or speed == float("inf"):
        raise ServeError(f"--speed: expected a positive number or 'max', not {text!r}")
    return speed


def _is_scenario(path: Path) -> bool:
    if path.is_dir() or path.suffix not in (".yaml", ".yml"):
        return False
    try:
        data = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and isinstance(data.get("steps"), list)


def build_cluster(sources: list[str], seed: int | None) -> Cluster:
    """The cluster to serve: a replayed scenario, or a fresh one with the manifests applied."""
    paths = [Path(s) for s in sources]
    for p in paths:
        if not p.exists():
            raise ServeError(f"{p}: no such file or directory")
    scenarios = [p for p in paths if _is_scenario(p)]
    if scenarios:
        if len(paths) > 1:
            raise ServeError("a scenario is served on its own (give either one scenario or manifests)")
        try:
            scenario = load_scenario(scenarios[0])
        except ScenarioError as e:
            raise ServeError(str(e)) from None
        probe = run_scenario(scenario, seed=seed)
        epoch = wall_epoch() - timedelta(seconds=int(probe.cluster.now))
        return run_scenario(scenario, seed=seed, epoch=epoch).cluster
    cluster = Cluster(seed=1 if seed is None else seed, epoch=wall_epoch())
    for p in paths:
        try:
            cluster.apply(p)
        except (ApiError, ApplyError, UnknownKind, ValueError, OSError) as e:
            raise ServeError(f"{p}: {e}") from None
    return cluster


async def _serve(server: Server, kubeconfig: str) -> None:
    await server.start()
    path = write_kubeconfig(kubeconfig, server.url)
    speed = "as fast as idle" if server.sim.speed is None else f"{server.sim.speed:g}x"
    dns = f", DNS on {server.host}:{server.dns_port} (udp, tcp)" if server.dns_port is not None else ""
    print(f"simk8s serve: API on {server.url}{dns}, speed {speed}; Ctrl-C stops", file=sys.stderr, flush=True)
    print(f"export KUBECONFIG={path}", flush=True)
    try:
        await server.serve_forever()
    finally:
        await server.stop()


def main(args: argparse.Namespace) -> int:
    try:
        speed = parse_speed(str(args.speed))
        cluster = build_cluster([*args.sources, *args.filename], args.seed)
        server = Server(cluster, host=args.host, port=args.port, dns_port=args.dns_port, speed=speed)
        asyncio.run(_serve(server, args.kubeconfig))
    except ServeError as e:
        print(f"simk8s: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except OSError as e:  # the CLI's one-line error (a port in use, an unwritable kubeconfig)
        print(f"simk8s: error: {e.strerror or e}", file=sys.stderr)
        return 2
    return 0
