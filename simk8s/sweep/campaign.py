"""Property campaigns: a :class:`~simk8s.testing.ClusterMachine` run as many independent hypothesis
runs with distinct seeds, on Dask; failures shrunk and saved as replayable scenario files.

Run ``i`` uses hypothesis seed ``seed + i``. A failing run's shrunk example is the scenario the
machine prints (``Replay with simk8s run replay.yaml``); it is saved as
``OUT/failures/failure-<hash>.yaml`` (identical replays are one file).

The example database. Hypothesis keeps failing (and interesting) examples in a database so a later
run replays a known failure first, already shrunk, instead of finding and shrinking it again. Here
the database lives with the client, in ``OUT/examples.json`` (keys and values in hex). Every run
receives a copy of it as it was when the campaign started and works on that copy; the entries a run
adds or removes come back with its result, and are merged into the file in run order when the
campaign ends (or is interrupted). Why a copy and not a live shared store: workers of a remote
Dask cluster share no file system with the client, and a run that saw another run's findings
mid-way would give results that depend on timing; this way a run's outcome depends only on its
seed and the database the campaign started with. Shrinking work carries over between campaigns
(and from run to run of one campaign when a failure stops it: rerun and the failure replays at
once, shrunk). hypothesis is imported inside the functions (it is an optional dependency).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import traceback
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simk8s.scenario import ScenarioError, run_scenario, scenario_from_dict
from simk8s.sweep.engine import Progress, open_client, stream

__all__ = ["DEFAULT_MACHINE", "CampaignError", "CampaignResult", "run_campaign", "run_one"]

DEFAULT_MACHINE = "simk8s.testing:ClusterMachine"
REPLAY_MARK = "Replay with `simk8s run replay.yaml`:\n"


class CampaignError(ValueError):
    """A campaign that cannot start (bad machine reference, hypothesis missing); one line."""


def load_machine(ref: str) -> type:
    """The state machine class named ``module:Class`` (importable where the runs execute)."""
    module, _, name = ref.partition(":")
    if not module or not name:
        raise CampaignError(f"--machine: expected MODULE:CLASS, got {ref!r}")
    try:
        from hypothesis.stateful import RuleBasedStateMachine  # optional dependency (the test extra)
    except ImportError:
        raise CampaignError("campaigns need hypothesis: pip install 'simk8s[sweep]'") from None
    try:
        obj = getattr(importlib.import_module(module), name)
    except ImportError as e:
        raise CampaignError(f"--machine: cannot import {module}: {e}") from None
    except AttributeError:
        raise CampaignError(f"--machine: {module} has no {name}") from None
    if not (isinstance(obj, type) and issubclass(obj, RuleBasedStateMachine)):
        raise CampaignError(f"--machine: {ref} is not a hypothesis RuleBasedStateMachine")
    return obj


def _database(snapshot: Mapping[str, Iterable[str]]) -> Any:
    from hypothesis.database import ExampleDatabase  # optional dependency (the test extra)

    class CopyDatabase(ExampleDatabase):
        """A run's copy of the campaign database, logging what the run changes."""

        def __init__(self) -> None:
            super().__init__()
            self.data = {bytes.fromhex(k): {bytes.fromhex(v) for v in vs} for k, vs in snapshot.items()}
            self.changes: list[tuple[str, str, str]] = []

        def fetch(self, key: bytes) -> Iterable[bytes]:
            # Sorted, not set order: set order of bytes varies between processes.
            yield from sorted(self.data.get(key, ()))

        def save(self, key: bytes, value: bytes) -> None:
            self.data.setdefault(key, set()).add(value)
            self.changes.append(("save", key.hex(), value.hex()))

        def delete(self, key: bytes, value: bytes) -> None:
            self.data.get(key, set()).discard(value)
            self.changes.append(("delete", key.hex(), value.hex()))

    return CopyDatabase()


def run_one(shared: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """One hypothesis run of the machine with seed ``item["seed"]`` (what a worker executes)."""
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis import seed as with_seed  # optional dependency (the test extra)
    from hypothesis.errors import HypothesisDeprecationWarning
    from hypothesis.stateful import run_state_machine_as_test

    machine = load_machine(str(shared["machine"]))
    db = _database(shared["database"])
    # The seed attribute is read when the run starts; one run at a time per worker process.
    with_seed(int(item["seed"]))(machine)
    out: dict[str, Any] = {"run": item["run"], "seed": item["seed"], "status": "passed"}
    phases = [p for p in Phase if shared.get("shrink", True) or p is not Phase.shrink]
    try:
        with warnings.catch_warnings():
            # The Dask worker's own threads use the global `random` module while the run draws
            # examples; hypothesis takes that for the machine using it. simk8s draws from seeded
            # generators only.
            warnings.filterwarnings("ignore", "Do not use the `random` module", HypothesisDeprecationWarning)
            run_state_machine_as_test(machine, settings=settings(
                max_examples=int(shared["examples"]), stateful_step_count=int(shared["steps"]), deadline=None,
                database=db, suppress_health_check=list(HealthCheck), print_blob=False, phases=phases))
    except Exception as e:
        notes = [n for exc in _leaves(e) for n in getattr(exc, "__notes__", [])]
        replay = next((n[n.index(REPLAY_MARK) + len(REPLAY_MARK):] for n in notes if REPLAY_MARK in n), "")
        first = next(iter(_leaves(e)))
        out.update(status="failed", error=f"{type(first).__name__}: {' '.join(str(first).split())[:300]}",
                   traceback="".join(traceback.format_exception(e)), replay=replay)
    out["database"] = db.changes
    return out


def _leaves(e: BaseException) -> list[BaseException]:
    if isinstance(e, BaseExceptionGroup):
        return [leaf for sub in e.exceptions for leaf in _leaves(sub)]
    return [e]


@dataclass
class CampaignResult:
    runs: list[dict[str, Any]]                 # one per finished run, in run order
    failures: dict[str, list[int]]             # replay file -> runs that found it
    reproduces: dict[str, bool]                # replay file -> fails again on a plain cluster
    cancelled: int
    out: Path
    lines: list[str] = field(default_factory=list)

    def report(self) -> str:
        passed = sum(r["status"] == "passed" for r in self.runs)
        head = [f"campaign: {len(self.runs)} runs finished ({passed} passed, {len(self.runs) - passed} failed"
                + (f", {self.cancelled} cancelled after the first failure" if self.cancelled else "") + ")"]
        for r in self.runs:
            if r["status"] != "passed":
                head.append(f"run {r['run']} (seed {r['seed']}): {r['error']}")
        for path, runs in self.failures.items():
            how = ("fails again with `simk8s run --check`" if self.reproduces.get(path)
                   else "replays the steps; the failure needs the machine's own invariants or controllers")
            head.append(f"saved {path} (runs {', '.join(map(str, runs))}): {how}")
        head.append(f"example database: {self.out / 'examples.json'}")
        return "\n".join(head + self.lines) + "\n"


def run_campaign(machine: str, *, runs: int, examples: int, steps: int, seed: int = 0, out: Path,
                 scheduler: str | None = None, workers: int | None = None, keep_going: bool = False,
                 shrink: bool = True, progress: bool | None = None, client: Any = None) -> CampaignResult:
    """``runs`` hypothesis runs of ``machine`` (``module:Class``) on Dask; see the module docstring."""
    load_machine(machine)   # fail here, with one line, rather than in every run
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "examples.json"
    database = _read_db(db_path)
    shared = {"machine": machine, "examples": examples, "steps": steps, "database": database, "shrink": shrink}
    items = [{"run": i, "seed": seed + i} for i in range(runs)]
    done: dict[int, dict[str, Any]] = {}
    bar = Progress(runs, "campaign", enabled=progress)

    def on_result(item: Any, result: dict[str, Any]) -> None:
        done[item["run"]] = result
        bar.update(error=result["status"] != "passed")

    def on_error(item: Any, tb: str) -> None:
        on_result(item, {**item, "status": "error", "error": tb.strip().splitlines()[-1], "traceback": tb,
                         "database": []})

    def stop() -> bool:
        return not keep_going and any(r["status"] != "passed" for r in done.values())

    try:
        if client is not None:
            stream(client, run_one, shared, items, on_result, on_error, stop)
        else:
            with open_client(scheduler, workers) as c:
                stream(c, run_one, shared, items, on_result, on_error, stop)
    finally:
        bar.close()
        for r in sorted(done):   # merged in run order: the file does not depend on completion order
            for op, key, value in done[r].get("database", ()):
                values = database.setdefault(key, [])
                if op == "save" and value not in values:
                    values.append(value)
                elif op == "delete" and value in values:
                    values.remove(value)
        _write_db(db_path, database)
    finished = [done[r] for r in sorted(done)]
    failures: dict[str, list[int]] = {}
    reproduces: dict[str, bool] = {}
    for run in finished:
        if run["status"] == "failed" and run.get("replay"):
            path = _save_replay(out / "failures", run["replay"])
            failures.setdefault(str(path), []).append(run["run"])
            if str(path) not in reproduces:
                reproduces[str(path)] = _reproduces(run["replay"])
    return CampaignResult(finished, failures, reproduces, runs - len(finished), out)


def _save_replay(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"failure-{hashlib.sha256(text.encode()).hexdigest()[:10]}.yaml"
    if not path.exists():
        path.write_text(text)
    return path


def _reproduces(text: str) -> bool:
    """Whether the replay fails again on a plain cluster (its checks: invariants and runtime order)."""
    try:
        result = run_scenario(scenario_from_dict(yaml.safe_load(text), source="replay"))
    except (ScenarioError, yaml.YAMLError):
        return False
    return bool(result.failures)


def _read_db(path: Path) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise CampaignError(f"{path}: not an example database: {e}") from None
    if not isinstance(data, dict):
        raise CampaignError(f"{path}: not an example database (expected an object)")
    return {str(k): [str(v) for v in vs] for k, vs in data.items()}


def _write_db(path: Path, data: Mapping[str, list[str]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({k: sorted(v) for k, v in sorted(data.items()) if v}, indent=1) + "\n")
    os.replace(tmp, path)
