"""One sweep point: the spec's scenario with the point's parameters, on a seeded cluster, measured.

:func:`run_point` is what the engine ships to workers. It takes plain data (the spec's
:meth:`~simk8s.sweep.spec.SweepSpec.payload` and a point as a dict) and returns the table row; an
exception inside the run becomes a row with ``status: error`` and the traceback, so one bad point
never stops a sweep. Nothing here reads the worker's clock, files or environment: a row depends
only on the spec and the point.
"""

from __future__ import annotations

import dataclasses
import random
import traceback
from collections.abc import Callable, Generator, Mapping
from typing import Any

import yaml

from simk8s.cluster import Cluster
from simk8s.core.timing import Timing
from simk8s.scenario import ScenarioError, apply_fault, cluster_for, run_scenario, scenario_from_dict
from simk8s.sweep.measures import Recorder

__all__ = ["measure_point", "run_point"]


def run_point(payload: Mapping[str, Any], point: Mapping[str, Any]) -> dict[str, Any]:
    """The table row of ``point`` (``index``, ``seed``, ``params``): identity, status, measures."""
    params = dict(point["params"])
    row: dict[str, Any] = {"point": int(point["index"]), "key": str(point["key"]), "seed": int(point["seed"]),
                           **{name: _cell(v) for name, v in params.items()}}
    try:
        measured = measure_point(payload, int(point["seed"]), params)
    except Exception:
        row.update(status="error", error=traceback.format_exc())
        return row
    row.update(status="ok", error="", **measured)
    return row


def _cell(value: Any) -> Any:
    """A parameter value as a table cell: ranges are shown as text ``"[lo, hi]"``."""
    return f"[{value[0]}, {value[1]}]" if isinstance(value, list) else value


def measure_point(payload: Mapping[str, Any], seed: int, params: Mapping[str, Any]) -> dict[str, Any]:
    """Run the scenario of ``payload`` with ``params`` on a cluster of ``seed``; the measured columns."""
    scenario = scenario_from_dict(with_params(payload["scenario"], params), source=str(payload["name"]))
    cluster = cluster_for(scenario, seed=seed, timing=timing_for(params))
    recorder = Recorder(cluster, payload["measures"])
    horizon = payload.get("horizon")
    schedule = (payload.get("faults") or {}).get(params.get("faults", "none"), [])
    cluster.env.process(_faults(cluster, schedule, seed, horizon))
    result = run_scenario(scenario, cluster=cluster)
    if result.error is not None:  # a step or a scheduled fault could not be carried out
        raise ScenarioError(result.error)
    if horizon is not None and cluster.now < horizon:
        cluster.run(horizon - cluster.now)
    row = recorder.finish(expectation_failures=len(result.failures))
    row["virtual_seconds"] = round(cluster.now, 6)
    return row


def with_params(scenario: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario with ``replicas``, ``pod_management_policy`` and ``nodes`` applied."""
    out = dict(scenario)
    if "nodes" in params:
        out["topology"] = {**(scenario.get("topology") or {}), "workers": int(params["nodes"])}
    sets: dict[str, Any] = {}
    if "replicas" in params:
        sets["replicas"] = int(params["replicas"])
    if "pod_management_policy" in params:
        sets["podManagementPolicy"] = str(params["pod_management_policy"])
    if sets:
        for part in ("files", "urls"):
            if scenario.get(part):
                out[part] = {name: _set_fields(str(text), sets) for name, text in scenario[part].items()}
    return out


def _set_fields(text: str, fields: Mapping[str, Any]) -> str:
    """``text`` with ``fields`` set in the spec of every StatefulSet document (others untouched)."""
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return text
    if not any(isinstance(d, Mapping) and d.get("kind") == "StatefulSet" for d in docs):
        return text
    for d in docs:
        if isinstance(d, dict) and d.get("kind") == "StatefulSet" and isinstance(d.get("spec"), dict):
            d["spec"].update(fields)
    return yaml.safe_dump_all([d for d in docs if d is not None], sort_keys=False)


def timing_for(params: Mapping[str, Any]) -> Timing:
    """:class:`Timing` with the point's ``timing.<field>`` values (a number is a fixed duration)."""
    changes: dict[str, Any] = {}
    spans = {f.name for f in dataclasses.fields(Timing) if f.type == "Span"}
    for name, value in params.items():
        if name.startswith("timing."):
            attr = name[len("timing."):]
            if attr in spans:
                lo, hi = (value, value) if not isinstance(value, list) else value
                changes[attr] = (float(lo), float(hi))
            else:
                changes[attr] = float(value)
    return dataclasses.replace(Timing(), **changes)


def _faults(cluster: Cluster, schedule: Any, seed: int, horizon: float | None) -> Generator[Any, Any, None]:
    """A simpy process injecting the schedule's faults at their virtual times."""
    for at, fault in _expand(cluster, schedule, seed, horizon):
        if at > cluster.now:
            yield cluster.env.timeout(at - cluster.now)
        apply_fault(cluster, fault, f"fault at {at:g}s")


def _expand(cluster: Cluster, schedule: Any, seed: int, horizon: float | None) -> list[tuple[float, dict[str, Any]]]:
    if isinstance(schedule, list):
        return [(float(e["at"]), {k: v for k, v in e.items() if k != "at"}) for e in schedule]
    # Periodic: a node fails every `every` seconds for `down` seconds, until the horizon.
    rng = random.Random(f"simk8s-sweep:{seed}:faults")
    workers = [n.name for n in cluster.topology.nodes if not n.control_plane]
    pick: Callable[[], str] = (lambda: rng.choice(workers)) if schedule["node"] == "random" \
        else (lambda: str(schedule["node"]))
    out: list[tuple[float, dict[str, Any]]] = []
    t = float(schedule["start"])
    while horizon is not None and t < horizon:
        node = pick()
        out.append((t, {"fail": node}))
        if schedule["down"] and t + schedule["down"] < horizon:
            out.append((t + float(schedule["down"]), {"recover": node}))
        t += float(schedule["every"])
    return out
