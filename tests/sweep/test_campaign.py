"""Campaigns: many seeded hypothesis runs on Dask; failures saved as replayable scenario files, and
the example database carried to the next campaign."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from distributed import Client, LocalCluster

from simk8s.cli import main
from simk8s.scenario import run_scenario, scenario_from_dict
from simk8s.sweep.campaign import run_campaign

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))   # broken_machines, for this process and the workers it spawns

from broken_machines import ready_pods  # noqa: E402

MACHINE = "broken_machines:AtMostOneReady"


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as c:
        yield c


def test_a_campaign_saves_a_replayable_failure_and_the_next_one_starts_from_it(tmp_path: Path,
                                                                             client: Client) -> None:
    # No shrinking here (hypothesis shrinks a stateful example in hundreds of runs: minutes);
    # `simk8s campaign` shrinks by default.
    first = run_campaign(MACHINE, runs=2, examples=10, steps=2, seed=0, out=tmp_path, client=client,
                         shrink=False, keep_going=True)
    failed = [r for r in first.runs if r["status"] == "failed"]
    assert failed and all("Ready pods" in r["error"] for r in failed)
    path = next(iter(first.failures))
    replay = yaml.safe_load(Path(path).read_text())
    assert replay["steps"][0] == {"run": "kubectl apply -f sts.yaml"} and "sts.yaml" in replay["files"]
    # The file replays the example: on a plain cluster its final state breaks the user's invariant.
    result = run_scenario(scenario_from_dict(replay, source=path))
    assert len(ready_pods(result.cluster)) > 1
    assert first.reproduces[path] is False    # the built-in checks hold: the bug is the invariant
    assert (tmp_path / "examples.json").read_text().strip() != "{}"
    # A second campaign replays the saved example first: its first run fails at once, the same way.
    second = run_campaign(MACHINE, runs=1, examples=10, steps=2, seed=50, out=tmp_path, client=client,
                          shrink=False)
    assert second.runs[0]["status"] == "failed"
    assert path in second.failures


def test_cli_campaign_passes_on_the_real_controller_and_rejects_a_bad_machine(
        tmp_path: Path, client: Client, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", client.scheduler.address)
    assert main(["campaign", "--runs", "2", "--examples", "2", "--steps", "2", "--out", str(tmp_path)]) == 0
    assert "2 runs finished (2 passed, 0 failed)" in capsys.readouterr().out
    assert main(["campaign", "--machine", "simk8s.testing:Nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == "simk8s: error: --machine: simk8s.testing has no Nope\n"
