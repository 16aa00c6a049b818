"""Every fast path leaves a run byte-identical: scenarios with all of them off and on print the same
transcript and write the same watch log; the debug mode refuses an invalid trusted write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simk8s import Cluster
from simk8s.fastpaths import FAST, fast_paths
from simk8s.scenario import load_scenario, run_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def full_log(c: Cluster) -> str:
    return "\n".join(json.dumps([ev.rv, ev.t, ev.type, ev.kind.kind, ev.obj, ev.old]) for ev in c.store.log)


@pytest.mark.parametrize("name", ["seed-lab", "node-loss-local-path"])
def test_scenario_with_every_fast_path_off_and_on(name: str) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    with fast_paths(trusted_bootstrap=True, memos=True, dns_view=True, verify_trusted=False):
        fast = run_scenario(scenario)
    with fast_paths(trusted_bootstrap=False, memos=False, dns_view=False, verify_trusted=True):
        slow = run_scenario(scenario)
    assert fast.failures == [] and slow.failures == []
    assert fast.transcript == slow.transcript
    assert full_log(fast.cluster) == full_log(slow.cluster)


def test_debug_mode_refuses_an_invalid_trusted_write() -> None:
    c = Cluster(seed=1)
    bad = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "Not_A_Name", "namespace": "default"}}
    with fast_paths(verify_trusted=True), pytest.raises(AssertionError, match="would be refused"):
        c.store.create_trusted("Endpoints", bad)
    assert c.store.try_get("Endpoints", "Not_A_Name") is None
    with fast_paths(verify_trusted=False):
        c.store.create_trusted("Endpoints", bad)     # trusted: not checked (the simulator's own objects)


def test_switches_are_restored_and_checked() -> None:
    before = (FAST.memos, FAST.dns_view)
    with fast_paths(memos=False, dns_view=False):
        assert not FAST.memos and not FAST.dns_view
    assert (FAST.memos, FAST.dns_view) == before
    with pytest.raises(TypeError, match="unknown fast paths"), fast_paths(turbo=True):
        pass
