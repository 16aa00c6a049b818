"""Every shipped scenario replays with its expectations met, and the same seed gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from simk8s.cli import event_log, main
from simk8s.scenario import load_scenario, run_scenario

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))


def test_there_are_scenarios() -> None:
    assert {p.stem for p in SCENARIOS} >= {"seed-lab", "statefulset-basics", "node-loss-local-path",
                                           "deployment-vs-statefulset"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_expectations_hold(path: Path) -> None:
    result = run_scenario(load_scenario(path))
    assert result.failures == [], "\n".join(result.failures) + "\n\n" + result.transcript


def test_seed_lab_is_byte_identical_across_runs() -> None:
    path = Path(__file__).parent.parent / "scenarios" / "seed-lab.yaml"
    a = run_scenario(load_scenario(path))
    b = run_scenario(load_scenario(path))
    assert a.transcript == b.transcript
    assert event_log(a.cluster) == event_log(b.cluster)
    c = run_scenario(load_scenario(path), seed=2)
    assert c.transcript != a.transcript  # other IPs and volume names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_passes_check(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(path), "--check"]) == 0
    assert capsys.readouterr().out == ""


def test_check_fails_on_an_unmet_expectation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n- run: kubectl get pods\n  expect:\n    contains: [web-0]\n")
    assert main(["run", str(bad), "--check"]) == 1
    assert "FAILED: step 1 (kubectl get pods): expected output to contain 'web-0'" in capsys.readouterr().err


def test_cli_run_exits_zero_and_writes_the_event_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.txt"
    path = Path(__file__).parent.parent / "scenarios" / "seed-lab.yaml"
    assert main(["run", str(path), "--events", str(events)]) == 0
    out = capsys.readouterr().out
    assert "statefulset.apps/web created" in out
    assert " ADDED Pod default/web-0" in events.read_text()
