"""The lesson notebooks run top to bottom, and the committed copies match their sources."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

import build  # noqa: E402


@pytest.mark.parametrize("name", sorted(build.LESSONS))
def test_notebook_runs_without_errors_in_under_30_seconds(name: str) -> None:
    start = time.perf_counter()
    nb = build.build(name, build.LESSONS[name], write=False)
    took = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert took < 30, f"{name} took {took:.1f} s"


@pytest.mark.parametrize("name", sorted(build.LESSONS))
def test_committed_notebook_has_outputs_and_matches_its_sources(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert [c.source for c in nb.cells] == [src for _, src in build.LESSONS[name]]
    assert all(c.outputs for c in nb.cells if c.cell_type == "code")
