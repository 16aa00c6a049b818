"""Scenarios: a lab as a file of steps, replayed against a fresh cluster in virtual time.

A scenario (YAML) has ``name``, optional ``seed``, ``topology`` (``workers: N``), ``files`` (text
files on the host, e.g. ``web.yaml``), ``urls`` (what ``curl -O URL`` downloads on the host),
``missing_images`` (image references that do not exist, for ``ErrImagePull`` lessons) and
``steps``. A step is one of::

    - run: kubectl apply -f web.yaml && kubectl get pods -w -l app=nginx
      watch: quiet          # how long a `-w` runs: "quiet" (until nothing is pending) or seconds
      stdin: |              # scripted input for interactive commands (kubectl run -it ... -- zsh)
        nslookup nginx
        exit
      expect:               # checks on what the step printed
        contains: ["statefulset.apps/web created"]
        rows: ["web-0 1/1 Running", ...]    # whitespace-insensitive, in this order
        regex: ["pvc-[0-9a-f-]{36}"]
        exit: 0
    - sleep: 30             # advance virtual time
    - fault: {fail: k8s-w1} # or recover / delete (a node)
    - check: invariants     # simk8s.testing.invariants over every StatefulSet
    - check: runtime        # ordering invariants watched since the start (simk8s.testing.checker)
    - check: converged      # settle (up to an hour), then every StatefulSet has spec.replicas pods, all Ready
    - note: "text"          # printed as a comment line in the transcript
    - explain: {from: client, to: web-0, port: 80}   # why a connection is allowed or dropped
      expect: {allowed: false, contains: ["default/default-deny"]}   # (protocol: TCP, namespace)

``run_scenario`` returns a :class:`ScenarioResult` with the transcript (what a terminal shows,
``$ `` before each command line) and the failures; the same seed and file give the same bytes.

Every step is checked when the file is loaded (known keys, a sleep of 0 to 86,400 seconds, a
known check, regular expressions that compile), so a bad file fails before anything runs, with
:class:`ScenarioError`. What only the run can tell (a fault on a node that does not exist) ends
the run there: the result carries the ``error`` and everything up to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from simk8s.api.errors import ApiError
from simk8s.cluster import Cluster, NotSettled, Topology
from simk8s.core.timing import Timing
from simk8s.store import DEFAULT_EPOCH
from simk8s.terminal import HostShell
from simk8s.testing.checker import RuntimeChecker
from simk8s.testing.invariants import check_cluster, check_converged

__all__ = ["Scenario", "ScenarioError", "ScenarioResult", "apply_fault", "cluster_for", "load_scenario",
           "run_scenario", "scenario_from_dict"]

PROMPT = "$ "


class ScenarioError(ValueError):
    """A scenario file that cannot be run (unknown step, bad field)."""


MAX_SLEEP = 86_400.0  # one virtual day per step: longer is a typo (1e12), not a lesson


@dataclass
class Scenario:
    name: str
    steps: list[dict[str, Any]]
    seed: int = 1
    files: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    topology: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""
    missing_images: list[str] = field(default_factory=list)


@dataclass
class ScenarioResult:
    scenario: Scenario
    cluster: Cluster
    transcript: str
    failures: list[str]
    outputs: list[str]
    error: str | None = None  # why the run stopped early (a step that could not be carried out)

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None


STEP_KEYS = {"run", "sleep", "fault", "check", "note", "explain"}
_MODIFIERS = {"run": {"watch", "stdin", "expect"}, "explain": {"expect"}}
_EXPECT_LISTS = ("contains", "absent", "regex", "rows")


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    text = p.read_text()
    try:
        # libyaml's parser when PyYAML has it (same nodes, same objects, faster); a syntax error is
        # reported as the pure Python parser words it.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
            raise ScenarioError(f"{p}: not valid YAML: {where}{getattr(e, 'problem', None) or e}") from None
    return scenario_from_dict(data, source=str(p))


def scenario_from_dict(data: Any, source: str = "-") -> Scenario:
    if not isinstance(data, Mapping) or not isinstance(data.get("steps"), list):
        raise ScenarioError(f"{source}: a scenario is a mapping with a list of steps")
    steps = []
    for i, step in enumerate(data["steps"]):
        if not isinstance(step, Mapping) or not (STEP_KEYS & set(step)):
            raise ScenarioError(f"{source}: step {i + 1}: expected one of {', '.join(sorted(STEP_KEYS))}")
        problem = _step_problem(step)
        if problem:
            raise ScenarioError(f"{source}: step {i + 1}: {problem}")
        steps.append(dict(step))
    missing = data.get("missing_images") or []
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        raise ScenarioError(f"{source}: missing_images is a list of image references")
    for key in ("files", "urls", "topology"):
        if not isinstance(data.get(key) or {}, Mapping):
            raise ScenarioError(f"{source}: {key} is a mapping")
    seed, workers = data.get("seed", 1), (data.get("topology") or {}).get("workers", 3)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ScenarioError(f"{source}: seed is an integer, not {seed!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 0 <= workers <= 100:
        raise ScenarioError(f"{source}: topology.workers is a number of nodes from 0 to 100, not {workers!r}")
    return Scenario(name=str(data.get("name", Path(source).stem)), steps=steps, seed=int(data.get("seed", 1)),
                    files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
                    urls={str(k): str(v) for k, v in (data.get("urls") or {}).items()},
                    topology=dict(data.get("topology") or {}), description=str(data.get("description", "")),
                    source=source, missing_images=list(missing))


def _seconds(value: Any, what: str, most: float = MAX_SLEEP) -> str | None:
    """Why ``value`` is not a number of seconds from 0 to ``most`` (None when it is)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return f"{what} must be a number of seconds, not {value!r}"
    try:
        seconds = float(value)
    except ValueError:
        return f"{what} must be a number of seconds, not {value!r}"
    if not 0 <= seconds <= most:  # also refuses nan and inf
        return f"{what} must be between 0 and {most:g} seconds, not {value!r}"
    return None


def _step_problem(step: Mapping[str, Any]) -> str | None:
    """What is wrong with one step (None when it can be run)."""
    kinds = [k for k in step if k in STEP_KEYS and k != "note"] or ["note"]
    allowed = {"note", *kinds}.union(*(_MODIFIERS.get(k, set()) for k in kinds))
    unknown = sorted(str(k) for k in step if k not in allowed)
    if unknown:
        return (f"unknown key {unknown[0]!r} (a step is one of {', '.join(sorted(STEP_KEYS))}"
                f"{'; ' + kinds[0] + ' takes ' + ', '.join(sorted(_MODIFIERS[kinds[0]])) if kinds[0] in _MODIFIERS else ''})")
    if "sleep" in step:
        problem = _seconds(step["sleep"], "sleep")
        if problem:
            return problem
    if "watch" in step and step["watch"] != "quiet":
        problem = _seconds(step["watch"], "watch (or \"quiet\")")
        if problem:
            return problem
    if "check" in step and step["check"] not in _CHECKS:
        return f"unknown check {step['check']!r} ({', '.join(_CHECKS[:-1])} or {_CHECKS[-1]})"
    if "fault" in step:
        spec = step["fault"]
        if not isinstance(spec, Mapping) or len(spec) != 1 or next(iter(spec)) not in ("fail", "recover", "delete"):
            return ("fault is one of {fail: NODE}, {recover: NODE}, {delete: NODE} "
                    "(NODE may be {node_of: POD})")
    if "explain" in step:
        spec = step["explain"]
        if not isinstance(spec, Mapping) or not {"from", "to", "port"} <= set(spec):
            return "explain needs from, to and port (and optionally protocol, namespace)"
        if not str(spec["port"]).isdigit() or not 0 < int(spec["port"]) < 65536:
            return f"explain: port must be 1 to 65535, not {spec['port']!r}"
    if "run" in step and not isinstance(step["run"], str | int | float):
        return f"run is a command line, not {step['run']!r}"
    return _expect_problem(step.get("expect"))


def _expect_problem(expect: Any) -> str | None:
    if expect is None:
        return None
    if not isinstance(expect, Mapping):
        return f"expect is a mapping of checks, not {expect!r}"
    unknown = sorted(str(k) for k in expect if k not in (*_EXPECT_LISTS, "exit", "allowed"))
    if unknown:
        return f"expect: unknown check {unknown[0]!r} ({', '.join((*_EXPECT_LISTS, 'exit', 'allowed'))})"
    for key in _EXPECT_LISTS:
        value = expect.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"expect: {key} is a list of strings"
    for pattern in expect.get("regex") or []:
        try:
            re.compile(pattern)
        except re.error as e:
            return f"expect: bad regex {pattern!r}: {e}"
    if "exit" in expect and (isinstance(expect["exit"], bool) or not isinstance(expect["exit"], int)):
        return f"expect: exit is a number, not {expect['exit']!r}"
    return None


def _topology(spec: Mapping[str, Any]) -> Topology | None:
    if not spec:
        return None
    return Topology.workers(int(spec.get("workers", 3)), control_plane=bool(spec.get("control_plane", True)))


def cluster_for(scenario: Scenario, *, seed: int | None = None, timing: Timing | None = None,
                epoch: datetime = DEFAULT_EPOCH) -> Cluster:
    """The fresh cluster ``scenario`` runs on: its seed (or ``seed``), topology and images; ``timing``."""
    return Cluster(seed=scenario.seed if seed is None else seed, topology=_topology(scenario.topology),
                   missing_images=scenario.missing_images, epoch=epoch, timing=timing)


def run_scenario(scenario: Scenario, *, seed: int | None = None, echo: Any = None,
                 epoch: datetime = DEFAULT_EPOCH, cluster: Cluster | None = None) -> ScenarioResult:
    """Replay ``scenario`` on a new cluster; ``echo(text)`` sees the transcript as it is produced.

    ``epoch`` is the cluster's wall clock at virtual time 0 (``simk8s serve`` replays a scenario
    so that it ends at the real "now"). ``cluster`` (from :func:`cluster_for`, perhaps with
    watchers or controllers added) is used instead of a new one; ``seed`` and ``epoch`` are then
    ignored.
    """
    if cluster is None:
        cluster = cluster_for(scenario, seed=seed, epoch=epoch)

    checker = RuntimeChecker(cluster)
    host = HostShell(cluster, files=scenario.files, urls=scenario.urls)
    parts: list[str] = []
    failures: list[str] = []
    outputs: list[str] = []

    def emit(text: str) -> None:
        parts.append(text)
        if echo is not None:
            echo(text)

    try:
        _run_steps(scenario, cluster, host, checker, emit, failures, outputs)
    except ScenarioError as e:
        return ScenarioResult(scenario, cluster, "".join(parts), failures, outputs, error=str(e))
    except Exception as e:
        # A bug: fail loudly, but hand the caller what ran so far (the CLI still writes it).
        e.scenario_result = ScenarioResult(  # type: ignore[attr-defined]
            scenario, cluster, "".join(parts), failures, outputs, error=f"{type(e).__name__}: {e}")
        raise
    return ScenarioResult(scenario, cluster, "".join(parts), failures, outputs)


def _run_steps(scenario: Scenario, cluster: Cluster, host: Any, checker: Any, emit: Any,
               failures: list[str], outputs: list[str]) -> None:
    for i, step in enumerate(scenario.steps, 1):
        problem = _step_problem(step)  # scenarios built in code skip load_scenario's checks
        if problem:
            raise ScenarioError(f"step {i}: {problem}")
        if "note" in step:
            emit(f"# {step['note']}\n")
        if "sleep" in step:
            cluster.run(float(step["sleep"]))
        if "fault" in step:
            apply_fault(cluster, step["fault"], f"step {i}")
        if "check" in step:
            failures.extend(f"step {i}: {v}" for v in _check(cluster, step["check"], checker))
        if "explain" in step:
            text, allowed = _explain(cluster, step["explain"], i)
            emit(text)
            outputs.append(text)
            failures.extend(f"step {i} (explain): {f}" for f in _explain_expectations(step.get("expect"), text, allowed))
        if "run" in step:
            line = str(step["run"]).rstrip("\n")
            emit(PROMPT + line + "\n")
            watch = step.get("watch", "quiet")
            result = host.run(line, stdin=str(step.get("stdin", "")),
                              watch_for=None if watch == "quiet" else float(watch))
            emit(result.output)
            outputs.append(result.output)
            failures.extend(f"step {i} ({line}): {f}" for f in check_output(step.get("expect"), result))


def apply_fault(cluster: Cluster, spec: Any, where: str) -> None:
    """Inject one fault (the ``fault:`` step syntax); ``where`` prefixes error messages."""
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ScenarioError(f"{where}: fault is one of {{fail: NODE}}, {{recover: NODE}}, {{delete: NODE}} "
                            "(NODE may be {node_of: POD})")
    (what, node), = spec.items()
    if isinstance(node, Mapping) and "node_of" in node:
        # The node a pod runs on (remembered, so recovering "the node of web-1" finds it again).
        pod = str(node["node_of"])
        remembered = cluster.__dict__.setdefault("_fault_nodes", {})
        current = cluster.store.try_get("Pod", pod, str(node.get("namespace", "default")))
        node = (current["spec"].get("nodeName") if current is not None else None) or remembered.get(pod)
        if not node:
            raise ScenarioError(f"{where}: pod {pod} is not on a node")
        remembered[pod] = node
    act = {"fail": cluster.fail_node, "recover": cluster.recover_node, "delete": cluster.delete_node}.get(what)
    if act is None:
        raise ScenarioError(f"{where}: unknown fault {what!r}")
    try:
        act(str(node))
    except ApiError as e:
        raise ScenarioError(f"{where}: fault: {e}") from None


def _explain(cluster: Cluster, spec: Any, i: int) -> tuple[str, bool]:
    """The transcript lines of an ``explain`` step (each prefixed ``# ``) and the verdict."""
    if not isinstance(spec, Mapping) or not {"from", "to", "port"} <= set(spec):
        raise ScenarioError(f"step {i}: explain needs from, to and port (and optionally protocol, namespace)")
    try:
        verdict = cluster.explain_connection(str(spec["from"]), str(spec["to"]), int(spec["port"]),
                                             str(spec.get("protocol", "TCP")),
                                             namespace=str(spec.get("namespace", "default")))
    except (ApiError, ValueError) as e:
        raise ScenarioError(f"step {i}: explain: {e}") from None
    return "".join(f"# {line}\n" for line in verdict.explain().splitlines()), verdict.allowed


def _explain_expectations(expect: Any, text: str, allowed: bool) -> list[str]:
    if not expect:
        return []
    out = []
    if "allowed" in expect and bool(expect["allowed"]) != allowed:
        out.append(f"expected the connection to be {'allowed' if expect['allowed'] else 'denied'}")
    for s in expect.get("contains", []) or []:
        if s not in text:
            out.append(f"expected output to contain {s!r}")
    return out


_CHECKS = ("invariants", "runtime", "converged")
#: How long ``check: converged`` lets the cluster run before it checks (virtual seconds).
SETTLE_LIMIT = 3600.0


def _check(cluster: Cluster, what: Any, checker: Any) -> list[str]:
    if what == "runtime":
        return list(checker.violations)
    if what == "converged":
        try:
            cluster.settle(limit=SETTLE_LIMIT)
        except NotSettled as e:
            return [f"not converged: {e}"]
        return check_converged(cluster)
    if what != "invariants":
        raise ScenarioError(f"unknown check {what!r}")
    return list(check_cluster(cluster))


def _tokens(line: str) -> list[str]:
    return line.split()


def check_output(expect: Any, result: Any) -> list[str]:
    """Failures of one step's expectations against its result (output, code)."""
    if not expect:
        return []
    text = result.output
    out = []
    for s in expect.get("contains", []) or []:
        if s not in text:
            out.append(f"expected output to contain {s!r}")
    for s in expect.get("absent", []) or []:
        if s in text:
            out.append(f"expected output not to contain {s!r}")
    for pattern in expect.get("regex", []) or []:
        if not re.search(pattern, text, re.M):
            out.append(f"expected output to match /{pattern}/")
    rows = expect.get("rows") or []
    if rows:
        lines = [_tokens(line) for line in text.splitlines()]
        pos = 0
        for row in rows:
            want = _tokens(row)
            while pos < len(lines) and lines[pos][:len(want)] != want:
                pos += 1
            if pos == len(lines):
                out.append(f"expected a row starting {row!r} (in order)")
                break
            pos += 1
    if "exit" in expect and int(expect["exit"]) != result.code:
        out.append(f"expected exit code {expect['exit']}, got {result.code}")
    return out
