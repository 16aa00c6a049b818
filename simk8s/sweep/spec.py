"""Sweep specs: which scenario, which parameters, which seeds, which measures.

A spec (YAML)::

    name: provisioning                  # optional; the file's stem by default
    scenario: ../scenarios/seed-lab.yaml  # a scenario file (relative to the spec) or an inline scenario
    horizon: 600                        # optional: run each point to this virtual second after its steps
    seeds: 20                           # 1..20; or a list [3, 5, 8]; or {start: 100, count: 50}
    grid:                               # every combination of these values...
      replicas: [1, 3, 5]
      timing.provision: [[1, 2], [8.6, 9.9]]
    sample:                             # ...times `count` random draws of these (seeded)
      count: 10
      seed: 7
      params:
        nodes: {randint: [2, 6]}        # or {choice: [...]}, {uniform: [lo, hi]}
    faults:                             # named fault schedules, chosen by the `faults` parameter
      w1-down: [{at: 30, fail: k8s-w1}, {at: 120, recover: k8s-w1}]
      hourly: {every: 3600, down: 300, node: random}
    measures: [time_to_ready, ready_pod_seconds_lost, invariant_violations]   # default: all

Parameters: ``replicas`` and ``pod_management_policy`` (set on every StatefulSet in the scenario's
files), ``nodes`` (worker count), ``timing.<field>`` (a :class:`~simk8s.core.timing.Timing` field: a
number, or ``[lo, hi]`` for the ranges), ``faults`` (a schedule name; ``none`` is always there).
A point is one combination and one seed; its result depends only on the spec and the point.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simk8s.core.timing import Timing
from simk8s.scenario import ScenarioError, scenario_from_dict

__all__ = ["MEASURES", "PARAMS", "Point", "SpecError", "SweepSpec", "load_spec", "spec_from_dict"]

#: Bumped when what a point computes changes, so old tables are not resumed into.
FORMAT = 1

MEASURES = ("time_to_ready", "ready_pod_seconds_lost", "longest_degraded", "invariant_violations",
            "events_by_reason", "dns_answer_changes", "expectation_failures")
PARAMS = ("replicas", "pod_management_policy", "nodes", "faults", "timing.<field>")
POLICIES = ("OrderedReady", "Parallel")
_SPAN_FIELDS = {f.name for f in dataclasses.fields(Timing) if f.type in ("Span", "tuple[float, float]")}
_TIMING_FIELDS = {f.name for f in dataclasses.fields(Timing)}
_FAULT_VERBS = ("fail", "recover", "delete")


class SpecError(ValueError):
    """A sweep spec that cannot be run; the message is one line, naming the file and the field."""


@dataclass(frozen=True)
class Point:
    """One run: an index in the spec's order, a seed and the parameter values (in spec order)."""

    index: int
    seed: int
    params: tuple[tuple[str, Any], ...]

    @property
    def key(self) -> str:
        """Identifies the point across runs of the spec (resume matches on it)."""
        return json.dumps({**dict(self.params), "seed": self.seed}, sort_keys=True, separators=(",", ":"))


@dataclass
class SweepSpec:
    name: str
    scenario: dict[str, Any]
    seeds: list[int]
    grid: dict[str, list[Any]] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)
    faults: dict[str, Any] = field(default_factory=dict)
    measures: tuple[str, ...] = MEASURES
    horizon: float | None = None
    source: str = "-"

    @property
    def param_names(self) -> list[str]:
        return [*self.grid, *(n for n in (self.sample.get("params") or {}) if n not in self.grid)]

    def points(self) -> list[Point]:
        """Every point, in a fixed order: grid combinations, then sample draws, then seeds."""
        combos = [dict(zip(self.grid, values, strict=True)) for values in itertools.product(*self.grid.values())]
        draws: list[dict[str, Any]] = [{}]
        if self.sample:
            rng = random.Random(f"simk8s-sweep:{self.sample.get('seed', 0)}")
            draws = [{name: _draw(rng, dist) for name, dist in self.sample["params"].items()}
                     for _ in range(int(self.sample["count"]))]
        out: list[Point] = []
        for combo in combos:
            for draw in draws:
                params = {**combo, **draw}
                for seed in self.seeds:
                    out.append(Point(len(out), seed, tuple((n, params[n]) for n in self.param_names)))
        return out

    def fingerprint(self) -> str:
        """What a point's result depends on besides its own values: a table made with another
        fingerprint is not resumed into."""
        doc = {"format": FORMAT, "scenario": self.scenario, "horizon": self.horizon, "faults": self.faults,
               "measures": list(self.measures)}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def payload(self) -> dict[str, Any]:
        """Plain data a worker needs to run any point of this spec (no files, no paths)."""
        return {"name": self.name, "scenario": self.scenario, "horizon": self.horizon, "faults": self.faults,
                "measures": list(self.measures)}


def _draw(rng: random.Random, dist: Mapping[str, Any]) -> Any:
    (how, arg), = dist.items()
    if how == "choice":
        return arg[rng.randrange(len(arg))]
    if how == "randint":
        return rng.randint(int(arg[0]), int(arg[1]))
    return round(rng.uniform(float(arg[0]), float(arg[1])), 6)


# ------------------------------------------------------------------------------------ loading
def _read_yaml(path: Path) -> Any:
    """A YAML file's data, or a SpecError saying why it cannot be read."""
    try:
        return yaml.safe_load(path.read_text())
    except OSError as e:
        raise SpecError(f"{path}: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: not valid YAML: {' '.join(str(e).split())}") from None


def load_spec(path: str | Path) -> SweepSpec:
    p = Path(path)
    return spec_from_dict(_read_yaml(p), source=str(p), base=p.parent)


def spec_from_dict(data: Any, source: str = "-", base: Path | None = None) -> SweepSpec:
    """Validate a spec; every problem is a :class:`SpecError` naming the field."""
    def fail(msg: str) -> SpecError:
        return SpecError(f"{source}: {msg}")

    if not isinstance(data, Mapping):
        raise fail("a sweep spec is a mapping (scenario, seeds, grid, sample, measures, ...)")
    known = {"name", "scenario", "horizon", "seeds", "grid", "sample", "faults", "measures", "description"}
    if unknown := sorted(set(map(str, data)) - known):
        raise fail(f"unknown field {unknown[0]!r} (expected {', '.join(sorted(known))})")
    scenario = _scenario(data.get("scenario"), base or Path("."), fail)
    faults = _faults(data.get("faults") or {}, fail)
    grid = data.get("grid") or {}
    if not isinstance(grid, Mapping):
        raise fail("grid: expected a mapping of parameter -> list of values")
    grid = {str(k): v for k, v in grid.items()}
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            raise fail(f"grid.{name}: expected a non-empty list of values")
        for v in values:
            _check_param(name, v, scenario, faults, fail, f"grid.{name}")
    sample = _sample(data.get("sample"), scenario, faults, fail)
    measures = data.get("measures", list(MEASURES))
    if isinstance(measures, str):
        measures = [measures]
    if not isinstance(measures, list) or not measures:
        raise fail("measures: expected a non-empty list")
    for m in measures:
        if m not in MEASURES:
            raise fail(f"measures: unknown measure {m!r} (expected one of {', '.join(MEASURES)})")
    horizon = data.get("horizon")
    if horizon is not None and (not isinstance(horizon, int | float) or isinstance(horizon, bool) or horizon <= 0):
        raise fail(f"horizon: expected a positive number of virtual seconds, got {horizon!r}")
    if horizon is None and any(isinstance(s, Mapping) for s in faults.values()):
        raise fail("faults: a periodic schedule (every:) needs a horizon")
    name = str(data.get("name") or (Path(source).stem if source != "-" else "sweep"))
    return SweepSpec(name=name, scenario=scenario, seeds=_seeds(data.get("seeds", 1), fail), grid=dict(grid),
                     sample=sample, faults=faults, measures=tuple(dict.fromkeys(measures)),
                     horizon=None if horizon is None else float(horizon), source=source)


def _scenario(ref: Any, base: Path, fail: Any) -> dict[str, Any]:
    if ref is None:
        raise fail("scenario: required (a scenario file, or an inline scenario with steps)")
    if isinstance(ref, str):
        path = base / ref
        try:
            data = _read_yaml(path)
        except SpecError as e:
            raise fail(f"scenario: {e}") from None
        where = str(path)
    else:
        data, where = ref, "scenario"
    try:
        scenario_from_dict(data, source=where)
    except ScenarioError as e:
        raise fail(f"scenario: {e}") from None
    assert isinstance(data, Mapping)
    return json.loads(json.dumps(data, default=str))   # plain data: shipped to workers, hashed


def _seeds(value: Any, fail: Any) -> list[int]:
    if isinstance(value, bool):
        raise fail(f"seeds: expected a count, a list or {{start, count}}, got {value!r}")
    if isinstance(value, int):
        if value < 1:
            raise fail(f"seeds: a count must be at least 1, got {value}")
        return list(range(1, value + 1))
    if isinstance(value, list) and value and all(isinstance(s, int) and not isinstance(s, bool) for s in value):
        if len(set(value)) != len(value):
            raise fail("seeds: the list has a repeated seed")
        return list(value)
    if isinstance(value, Mapping) and set(value) <= {"start", "count"} and "count" in value:
        start, count = value.get("start", 1), value["count"]
        if isinstance(start, int) and isinstance(count, int) and count >= 1:
            return list(range(start, start + count))
    raise fail(f"seeds: expected a count, a non-empty list of integers or {{start, count}}, got {value!r}")


def _sample(value: Any, scenario: dict[str, Any], faults: dict[str, Any], fail: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not isinstance(value.get("params"), Mapping) or not value["params"]:
        raise fail("sample: expected {count: N, seed: S, params: {name: {choice|randint|uniform: ...}}}")
    count = value.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise fail(f"sample.count: expected a positive integer, got {count!r}")
    seed = value.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise fail(f"sample.seed: expected an integer, got {seed!r}")
    params: dict[str, Any] = {}
    for name, dist in value["params"].items():
        where = f"sample.params.{name}"
        if not isinstance(dist, Mapping) or len(dist) != 1 or next(iter(dist)) not in ("choice", "randint", "uniform"):
            raise fail(f"{where}: expected one of {{choice: [...]}}, {{randint: [lo, hi]}}, {{uniform: [lo, hi]}}")
        (how, arg), = dist.items()
        if not isinstance(arg, list) or not arg:
            raise fail(f"{where}.{how}: expected a non-empty list")
        if how == "choice":
            for v in arg:
                _check_param(str(name), v, scenario, faults, fail, where)
        else:
            if len(arg) != 2 or not all(isinstance(a, int | float) and not isinstance(a, bool) for a in arg) \
                    or arg[0] > arg[1] or (how == "randint" and not all(isinstance(a, int) for a in arg)):
                raise fail(f"{where}.{how}: expected [lo, hi] with lo <= hi")
            for v in arg:
                _check_param(str(name), v, scenario, faults, fail, where)
        params[str(name)] = {how: list(arg)}
    return {"count": count, "seed": seed, "params": params}


def _faults(value: Any, fail: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise fail("faults: expected a mapping of schedule name -> list of faults or {every, down, node}")
    out: dict[str, Any] = {"none": []}
    for name, schedule in value.items():
        where = f"faults.{name}"
        if isinstance(schedule, Mapping):
            if not set(schedule) <= {"every", "down", "node", "start"} or "every" not in schedule:
                raise fail(f"{where}: a periodic schedule is {{every: S, down: D, node: NODE|random, start: T}}")
            for k in ("every", "down", "start"):
                v = schedule.get(k, 1 if k == "every" else 0)
                if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
                    raise fail(f"{where}.{k}: expected a number of seconds >= 0, got {v!r}")
            if schedule["every"] <= 0 or schedule.get("down", 0) >= schedule["every"]:
                raise fail(f"{where}: expected 0 <= down < every and every > 0")
            out[str(name)] = {"every": schedule["every"], "down": schedule.get("down", 0),
                              "node": str(schedule.get("node", "random")),
                              "start": schedule.get("start", schedule["every"])}
            continue
        if not isinstance(schedule, list):
            raise fail(f"{where}: expected a list of {{at: T, fail|recover|delete: NODE}}")
        entries = []
        for i, entry in enumerate(schedule):
            verbs = [v for v in _FAULT_VERBS if isinstance(entry, Mapping) and v in entry]
            if not isinstance(entry, Mapping) or set(entry) != {"at", *verbs} or len(verbs) != 1:
                raise fail(f"{where}[{i}]: expected {{at: T, fail|recover|delete: NODE}}")
            at = entry["at"]
            if not isinstance(at, int | float) or isinstance(at, bool) or at < 0:
                raise fail(f"{where}[{i}].at: expected virtual seconds >= 0, got {at!r}")
            entries.append(dict(entry))
        out[str(name)] = sorted(entries, key=lambda e: e["at"])
    return out


def _check_param(name: str, value: Any, scenario: Mapping[str, Any], faults: Mapping[str, Any], fail: Any,
                 where: str) -> None:
    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    def is_num(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    if name == "replicas":
        if not is_int(value) or value < 0:
            raise fail(f"{where}: replicas is an integer >= 0, got {value!r}")
        _needs_statefulset(scenario, fail, where)
    elif name == "pod_management_policy":
        if value not in POLICIES:
            raise fail(f"{where}: pod_management_policy is OrderedReady or Parallel, got {value!r}")
        _needs_statefulset(scenario, fail, where)
    elif name == "nodes":
        if not is_int(value) or not 1 <= value <= 250:
            raise fail(f"{where}: nodes (workers) is an integer from 1 to 250, got {value!r}")
    elif name == "faults":
        if value not in faults:
            raise fail(f"{where}: no fault schedule named {value!r} (defined: {', '.join(faults)})")
    elif name.startswith("timing."):
        attr = name[len("timing."):]
        if attr not in _TIMING_FIELDS:
            raise fail(f"{where}: Timing has no field {attr!r} (fields: {', '.join(sorted(_TIMING_FIELDS))})")
        span = isinstance(value, list) and len(value) == 2 and all(is_num(v) for v in value) and value[0] <= value[1]
        if not ((is_num(value) and value >= 0) or (span and attr in _SPAN_FIELDS and value[0] >= 0)):
            want = "a number >= 0 or [lo, hi]" if attr in _SPAN_FIELDS else "a number >= 0"
            raise fail(f"{where}: {name} is {want}, got {value!r}")
    else:
        raise fail(f"{where}: unknown parameter {name!r} (expected one of {', '.join(PARAMS)})")


def _needs_statefulset(scenario: Mapping[str, Any], fail: Any, where: str) -> None:
    if not any(_has_statefulset(text) for text in _texts(scenario)):
        raise fail(f"{where}: the scenario's files define no StatefulSet to set it on")


def _texts(scenario: Mapping[str, Any]) -> Sequence[str]:
    return [str(v) for part in ("files", "urls") for v in (scenario.get(part) or {}).values()]


def _has_statefulset(text: str) -> bool:
    try:
        return any(isinstance(d, Mapping) and d.get("kind") == "StatefulSet" for d in yaml.safe_load_all(text))
    except yaml.YAMLError:
        return False
