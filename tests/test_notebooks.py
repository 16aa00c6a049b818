"""The lesson notebooks run top to bottom, and the committed copies match their sources."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from simk8s.cli import main
from simk8s.controllers import statefulset as ctl

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

import build  # noqa: E402


@pytest.mark.parametrize("name", sorted(build.LESSONS))
def test_notebook_runs_without_errors_and_prints_what_is_committed(name: str) -> None:
    nb = build.build(name, build.LESSONS[name], write=False)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert build.text_outputs(nb) == build.text_outputs(committed), (
        f"{name}: a fresh run prints something else than the committed notebook; if that is meant, "
        "regenerate it with python notebooks/build.py and say why in the commit")
    assert [c.id for c in nb.cells] == [c.id for c in committed.cells]


@pytest.mark.parametrize("name", sorted(build.LESSONS))
def test_committed_notebook_has_outputs_and_matches_its_sources(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert [c.source for c in nb.cells] == [src for _, src in build.LESSONS[name]]
    assert all(c.outputs for c in nb.cells if c.cell_type == "code")


def _committed_replay() -> str:
    nb = nbformat.read(NOTEBOOKS / "05-property-testing.ipynb", as_version=4)
    text = "".join(o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o.output_type == "stream" and "Replay of a failing ClusterMachine example." in o.text)
    return text[text.index("name: replay"):]


def test_the_replay_printed_by_the_property_testing_lesson_is_complete_and_replays_the_failure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "replay.yaml"
    path.write_text(_committed_replay())
    assert main(["run", str(path), "--check"]) == 0   # the real planner keeps the order
    real = ctl.sts_logic.plan

    def broken(sts: Any, *args: Any, **kw: Any) -> Any:   # the lesson's bug: OrderedReady planned as Parallel
        return real({**sts, "spec": {**sts["spec"], "podManagementPolicy": "Parallel"}}, *args, **kw)

    capsys.readouterr()
    monkeypatch.setattr(ctl.sts_logic, "plan", broken)
    assert main(["run", str(path), "--check"]) == 1
    assert re.search(r"web-\d+ was created while its predecessor web-\d+ was not Running and Ready",
                     capsys.readouterr().err)
