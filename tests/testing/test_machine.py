"""The property-testing toolkit: the machine passes on the real controller and catches seeded bugs."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml
from hypothesis import settings
from hypothesis.stateful import invariant

from simk8s import Cluster
from simk8s.controllers import statefulset as sts_controller
from simk8s.logic import statefulset as sts_logic
from simk8s.logic.podutil import get_ordinal
from simk8s.scenario import run_scenario, scenario_from_dict
from simk8s.testing import ClusterMachine, PrimaryReplicaController, check_single_primary, to_scenario
from simk8s.testing.checker import RuntimeChecker
from simk8s.testing.profiles import machine_settings

CI = settings(max_examples=6, stateful_step_count=8, deadline=None)

TestClusterMachine = ClusterMachine.TestCase
# Short in the suite; `pytest --hypothesis-profile=long tests/testing/test_machine.py` runs it deep.
TestClusterMachine.settings = machine_settings(default=CI)


# --------------------------------------------------------------------------------- mutations
REAL_PLAN = sts_logic.plan


def ignores_readiness(sts: Any, pods: Any, claims: Any, rev: Any, now: Any, **kw: Any) -> Any:
    """Bug (a): plans an OrderedReady set as if it were Parallel: N+1 before N is Ready."""
    body = dict(sts)
    body["spec"] = {**sts["spec"], "podManagementPolicy": "Parallel"}
    plan = REAL_PLAN(body, pods, claims, rev, now, **kw)
    plan.status["observedGeneration"] = sts["metadata"].get("generation")
    return plan


def lowest_first(sts: Any, pods: Any, claims: Any, rev: Any, now: Any, **kw: Any) -> Any:
    """Bug (b): on scale-down deletes the lowest condemned ordinal instead of the highest."""
    plan = REAL_PLAN(sts, pods, claims, rev, now, **kw)
    start = int((sts["spec"].get("ordinals") or {}).get("start", 0))
    condemned = sorted((p for p in pods if get_ordinal(sts["metadata"]["name"], p["metadata"]["name"])
                        >= start + sts["spec"].get("replicas", 1) and not p["metadata"].get("deletionTimestamp")),
                       key=lambda p: get_ordinal(sts["metadata"]["name"], p["metadata"]["name"]))
    out = []
    for a in plan.actions:
        if isinstance(a, sts_logic.DeletePod) and a.reason == "ScaleDown" and condemned:
            low = condemned[0]
            a = dataclasses.replace(a, name=low["metadata"]["name"], uid=low["metadata"]["uid"],
                                    event=sts_logic.Event("Normal", "SuccessfulDelete",
                                                          f"delete Pod {low['metadata']['name']} in StatefulSet "
                                                          f"{sts['metadata']['name']} successful"))
        out.append(a)
    plan.actions[:] = out
    return plan


def shared_claim(sts: Any, pods: Any, claims: Any, rev: Any, now: Any, **kw: Any) -> Any:
    """Bug (c): every pod mounts ordinal 0's claim."""
    plan = REAL_PLAN(sts, pods, claims, rev, now, **kw)
    for a in plan.actions:
        if isinstance(a, sts_logic.CreatePod):
            for v in a.pod["spec"].get("volumes", []):
                if "persistentVolumeClaim" in v:
                    base = v["persistentVolumeClaim"]["claimName"].rsplit("-", 1)[0]
                    v["persistentVolumeClaim"]["claimName"] = f"{base}-0"
    return plan


MANIFEST = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
            "spec": {"serviceName": "web", "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                         {"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.8",
                          "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                         "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}


@pytest.mark.parametrize("bug,steps,expect", [
    (ignores_readiness, [], "was created while its predecessor"),
    (lowest_first, [{"run": "kubectl scale sts web --replicas=1"}, {"sleep": 120}], "scale-down deleted web-1"),
    (shared_claim, [], "not its own"),
])
def test_seeded_planner_bugs_are_caught_and_the_replay_reproduces_them(monkeypatch: pytest.MonkeyPatch, bug: Any,
                                                                       steps: list[Any], expect: str) -> None:
    monkeypatch.setattr(sts_controller.sts_logic, "plan", bug)
    c = Cluster(seed=4)
    checker = RuntimeChecker(c)
    c.kubectl(["apply", "-f", "-"], stdin="apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: "
              "{clusterIP: None, selector: {app: web}, ports: [{port: 80, name: web}]}\n---\n" + yaml.safe_dump(MANIFEST))
    c.settle()
    for step in steps:
        if "run" in step:
            c.kubectl(step["run"].removeprefix("kubectl "))
        else:
            c.run(step["sleep"])
    assert any(expect in v for v in checker.violations), checker.violations
    # The machine's replay file reproduces the failure through `simk8s run`'s runner.
    scenario = scenario_from_dict(yaml.safe_load(to_scenario(4, MANIFEST, [{"sleep": 60}, *steps])))
    result = run_scenario(scenario)
    assert any(expect in f for f in result.failures), result.failures


def test_the_real_planner_passes_the_same_replays() -> None:
    for steps in ([], [{"run": "kubectl scale sts web --replicas=1"}, {"sleep": 120}]):
        scenario = scenario_from_dict(yaml.safe_load(to_scenario(4, MANIFEST, [{"sleep": 60}, *steps])))
        assert run_scenario(scenario).failures == []


def test_a_user_controller_elects_a_primary_and_re_elects_on_failure() -> None:
    c = Cluster(seed=5)
    c.kubectl(["apply", "-f", "-"], stdin="apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: "
              "{clusterIP: None, selector: {app: web}, ports: [{port: 80, name: web}]}\n---\n" + yaml.safe_dump(MANIFEST))
    c.add_controller(PrimaryReplicaController("web"))
    c.settle()
    assert c.get("pods", "web-0")["metadata"]["labels"]["role"] == "primary"
    assert check_single_primary(c, "web") == []
    node = c.get("pods", "web-0")["spec"]["nodeName"]
    c.fail_node(node)
    c.run(60)
    assert check_single_primary(c, "web") == []
    primary = [p["metadata"]["name"] for p in c.get("pods", selector="role=primary")]
    assert primary and primary != ["web-0"]


class PrimaryMachine(ClusterMachine):
    """The example in the README: the toolkit's machine plus your controller and its invariant."""

    def setup_cluster(self, cluster: Cluster) -> None:
        cluster.add_controller(PrimaryReplicaController(self.set_name))

    @invariant()
    def one_primary(self) -> None:
        if self._healthy():
            assert self.cluster is not None
            assert check_single_primary(self.cluster, self.set_name) == []

TestPrimaryMachine = PrimaryMachine.TestCase
TestPrimaryMachine.settings = settings(max_examples=4, stateful_step_count=6, deadline=None)


def test_the_machine_itself_finds_bug_a_and_prints_a_replay(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from hypothesis import Phase
    from hypothesis.stateful import run_state_machine_as_test

    monkeypatch.setattr(sts_controller.sts_logic, "plan", ignores_readiness)
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(ClusterMachine, settings=settings(
            max_examples=20, stateful_step_count=4, deadline=None, database=None,
            phases=[Phase.generate]))   # shrinking is what users get; CI only needs the catch
    notes = "\n".join(getattr(failure.value, "__notes__", []))
    out = capsys.readouterr()
    assert "Replay with `simk8s run replay.yaml`:" in notes + out.out + out.err


def test_store_invariants_skip_only_unchanged_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """converged_state and dns_matches_ready_pods look again whenever the store changed."""
    from simk8s.testing import machine

    calls: list[str] = []
    real_check = machine.check_cluster
    monkeypatch.setattr(machine, "check_cluster", lambda c: calls.append("check") or real_check(c))
    m = ClusterMachine()
    m.cluster = Cluster(seed=3)
    m.checker = RuntimeChecker(m.cluster)
    m.cluster.settle()
    real_resolve = m.cluster.resolve
    monkeypatch.setattr(m.cluster, "resolve", lambda *a, **k: calls.append("dns") or real_resolve(*a, **k))
    for _ in range(3):
        m.converged_state()
        m.dns_matches_ready_pods()
    assert calls == ["check", "dns"]
    m.cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    m.cluster.settle()
    m.converged_state()
    m.dns_matches_ready_pods()
    assert calls == ["check", "dns", "check", "dns"]
