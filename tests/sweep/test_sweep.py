"""Sweeps on Dask: the same table whatever the cluster, resume, failing points, the CLI."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from simk8s.cli import main
from simk8s.sweep import SpecError, run_point, run_sweep, spec_from_dict
from simk8s.sweep.engine import Progress
from simk8s.sweep.spec import SweepSpec

ROOT = Path(__file__).resolve().parents[2]

WEB = """\
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec: {clusterIP: None, selector: {app: nginx}, ports: [{port: 80, name: web}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec: {containers: [{name: nginx, image: registry.k8s.io/nginx-slim:0.8}]}
"""

SPEC: dict[str, Any] = {
    "name": "tiny",
    "scenario": {"name": "web", "files": {"web.yaml": WEB},
                 "steps": [{"run": "kubectl apply -f web.yaml"}, {"sleep": 40}]},
    "horizon": 90,
    "seeds": 2,
    "grid": {"replicas": [1, 3], "pod_management_policy": ["OrderedReady", "Parallel"]},
    "faults": {"w1": [{"at": 30, "fail": "k8s-w1"}, {"at": 85, "recover": "k8s-w1"}]},
}


def spec(**changes: Any) -> SweepSpec:
    return spec_from_dict({**SPEC, **changes}, source="tiny.yaml")


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """One LocalCluster (two single-threaded worker processes) shared by the tests of this module."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as c:
        yield c


def table(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path / "results.parquet")


# ------------------------------------------------------------------------------- one point
def test_a_point_measures_readiness_faults_and_dns() -> None:
    s = spec(grid={"replicas": [3], "faults": ["none", "w1"]}, seeds=[1])
    calm, hit = (run_point(s.payload(), {"index": p.index, "key": p.key, "seed": p.seed, "params": dict(p.params)})
                 for p in s.points())
    assert calm["status"] == hit["status"] == "ok", calm["error"] + hit["error"]
    # OrderedReady: three pods one after another, each pulling and starting (about 10 s each).
    assert 20 < calm["time_to_ready"] < 60
    assert calm["ready_pod_seconds_lost"] == 0 and calm["longest_degraded"] == 0
    assert calm["dns_answer_changes"] == 3                   # one more address per pod that turned Ready
    assert calm["events.SuccessfulCreate"] == 3 and calm["invariant_violations"] == 0
    # k8s-w1 down from 30 s to 85 s: its pod turns NotReady after the node monitor grace period
    # (40 s), at 70 s, and is Ready again at 85 s: 15 Ready-pod-seconds lost, two more DNS answers.
    assert hit["time_to_ready"] == calm["time_to_ready"]
    assert hit["events.NodeNotReady"] == 1
    assert hit["ready_pod_seconds_lost"] == hit["longest_degraded"] == 15.0
    assert hit["dns_answer_changes"] == 5 and hit["virtual_seconds"] == 90


def test_the_same_point_gives_the_same_row() -> None:
    s = spec()
    p = s.points()[3]
    item = {"index": p.index, "key": p.key, "seed": p.seed, "params": dict(p.params)}
    assert run_point(s.payload(), item) == run_point(s.payload(), item)


# ------------------------------------------------------------------------------ the engine
def test_one_worker_and_four_workers_give_the_same_table(tmp_path: Path) -> None:
    one = run_sweep(spec(), tmp_path / "one", workers=1, plots=False)
    four = run_sweep(spec(), tmp_path / "four", workers=4, plots=False)
    assert (one.workers, four.workers) == (1, 4)
    assert len(one.frame) == 8 and (one.frame["status"] == "ok").all()
    pd.testing.assert_frame_equal(table(tmp_path / "one"), table(tmp_path / "four"))
    assert list(one.frame["point"]) == list(range(8))


def test_a_separately_started_dask_cluster_gives_the_same_table(tmp_path: Path, client: Client) -> None:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    loopback = ["--host", "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0"]   # ephemeral ports
    procs = [subprocess.Popen([*dask, "scheduler", *loopback, "--port", "0", "--scheduler-file", str(file)],
                              **quiet)]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen([*dask, "worker", address, *loopback, "--nthreads", "1"],
                                          **quiet))
        with Client(address, timeout="30s") as remote:
            remote.wait_for_workers(2, timeout=60)
        external = run_sweep(spec(), tmp_path / "external", scheduler=address, plots=False)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    run_sweep(spec(), tmp_path / "local", client=client, plots=False)
    assert external.workers == 2
    pd.testing.assert_frame_equal(table(tmp_path / "external"), table(tmp_path / "local"))


def test_resume_runs_only_the_points_not_in_the_table(tmp_path: Path, client: Client) -> None:
    first = run_sweep(spec(seeds=1), tmp_path / "out", client=client, plots=False)
    assert (first.ran, first.skipped) == (4, 0)
    again = run_sweep(spec(seeds=1), tmp_path / "out", client=client, plots=False)
    assert (again.ran, again.skipped) == (0, 4)
    grown = run_sweep(spec(seeds=2), tmp_path / "out", client=client, plots=False)   # one more seed per combo
    assert (grown.ran, grown.skipped) == (4, 4)
    run_sweep(spec(seeds=2), tmp_path / "fresh", client=client, plots=False)
    pd.testing.assert_frame_equal(table(tmp_path / "out"), table(tmp_path / "fresh"))
    with pytest.raises(SpecError, match="compute something else"):
        run_sweep(spec(seeds=2, horizon=120), tmp_path / "out", client=client, plots=False)


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path: Path, client: Client) -> None:
    s = spec(grid={"faults": ["none", "gone"]},
             faults={"gone": [{"at": 5, "fail": "k8s-w9"}]})   # no such node: that point raises
    result = run_sweep(s, tmp_path / "out", client=client, plots=False)
    frame = table(tmp_path / "out")
    assert list(frame["status"]) == ["ok", "ok", "error", "error"]
    assert result.failed == 2
    assert 'nodes "k8s-w9" not found' in frame["error"][2] and "Traceback" in frame["error"][2]
    assert frame["time_to_ready"][:2].notna().all() and frame["time_to_ready"][2:].isna().all()
    # Resuming tries the failed points again (and only those).
    again = run_sweep(s, tmp_path / "out", client=client, plots=False)
    assert (again.ran, again.skipped) == (2, 2)


# ------------------------------------------------------------------------------------- CLI
def write_spec(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(json.dumps(data))
    return path


def test_cli_sweep_writes_table_csv_summary_and_plots(tmp_path: Path, client: Client,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", client.scheduler.address)   # the same cluster, by env
    path = write_spec(tmp_path, {**SPEC, "seeds": 1, "measures": ["time_to_ready", "events_by_reason"]})
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--csv"]) == 0
    out = capsys.readouterr().out
    assert "4 points: 4 ok, 0 failed" in out and "time_to_ready:" in out
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["events_by_reason.png", "results.csv", "results.parquet", "summary.txt", "time_to_ready.png"]
    csv = pd.read_csv(tmp_path / "out" / "results.csv")
    assert list(csv.columns[:6]) == ["point", "key", "seed", "replicas", "pod_management_policy", "status"]
    assert (tmp_path / "out" / "time_to_ready.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("change,message", [
    ({"grid": {"replicas": "3"}}, "grid.replicas: expected a non-empty list of values"),
    ({"grid": {"replica": [1]}}, "grid.replica: unknown parameter 'replica'"),
    ({"grid": {"timing.provision": [[3, 1]]}}, "timing.provision is a number >= 0 or [lo, hi]"),
    ({"grid": {"timing.nope": [1]}}, "Timing has no field 'nope'"),
    ({"grid": {"faults": ["w2"]}}, "no fault schedule named 'w2'"),
    ({"seeds": 0}, "seeds: a count must be at least 1"),
    ({"measures": ["speed"]}, "measures: unknown measure 'speed'"),
    ({"horizon": -1}, "horizon: expected a positive number"),
    ({"scenario": {"steps": "x"}}, "a scenario is a mapping with a list of steps"),
    ({"scenario": "missing.yaml"}, "No such file or directory"),
    ({"faults": {"p": {"every": 10, "down": 20}}}, "expected 0 <= down < every"),
    ({"sample": {"count": 2, "params": {"nodes": {"randint": [5, 2]}}}}, "expected [lo, hi] with lo <= hi"),
    ({"color": "blue"}, "unknown field 'color'"),
])
def test_cli_rejects_a_bad_spec_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              change: dict[str, Any], message: str) -> None:
    path = write_spec(tmp_path, {**SPEC, **change})
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("simk8s: error: ") and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_cli_rejects_a_scheduler_that_is_not_an_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(tmp_path, SPEC)
    assert main(["sweep", str(path), "--scheduler", "foo://bar", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("simk8s: error: cannot reach the Dask scheduler at foo://bar: unknown address scheme")
    assert err.count("\n") == 1


def test_a_spec_without_a_statefulset_cannot_set_replicas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(tmp_path, {**SPEC, "scenario": {"steps": [{"sleep": 1}]}})
    assert main(["sweep", str(path)]) == 2
    assert "define no StatefulSet" in capsys.readouterr().err


def test_random_samples_are_drawn_from_the_spec_seed() -> None:
    sample = {"count": 5, "seed": 3, "params": {"nodes": {"randint": [1, 9]}, "timing.provision": {"uniform": [1, 2]}}}
    a = spec_from_dict({**SPEC, "grid": {}, "sample": sample}).points()
    b = spec_from_dict({**SPEC, "grid": {}, "sample": sample}).points()
    assert a == b and len(a) == 10 and len({p.params for p in a}) == 5
    assert all(1 <= dict(p.params)["nodes"] <= 9 for p in a)


def test_import_simk8s_pulls_in_neither_dask_nor_pandas() -> None:
    code = ("import sys, simk8s, simk8s.cli, simk8s.sweep\n"
            "print(sorted(m for m in ('dask', 'distributed', 'pandas', 'pyarrow', 'matplotlib', 'hypothesis')"
            " if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stderr


def test_the_progress_bar_counts_runs_and_failures() -> None:
    out = io.StringIO()
    bar = Progress(2, "tiny", out=out, enabled=True)
    bar.update()
    bar.update(error=True)
    bar.close()
    last = out.getvalue().split("\r")[-1]
    assert last.startswith("tiny [" + "#" * 30 + "] 2/2  1 failed") and last.endswith("\n")
