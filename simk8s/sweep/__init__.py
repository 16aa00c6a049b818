"""Sweeps and property campaigns: many independent seeded runs, on Dask.

- :mod:`simk8s.sweep.spec`: the sweep spec (scenario, parameters, seeds, measures) and its points;
- :mod:`simk8s.sweep.point`: one point's run (:func:`run_point`, what workers execute);
- :mod:`simk8s.sweep.measures`: what a run records from the cluster's watch;
- :mod:`simk8s.sweep.run`: :func:`run_sweep`, the table, summary and plots;
- :mod:`simk8s.sweep.engine`: Dask (a LocalCluster, or an existing scheduler);
- :mod:`simk8s.sweep.campaign`: property campaigns of :class:`~simk8s.testing.ClusterMachine`.

Importing this package needs only the core dependencies; dask, pandas, pyarrow and matplotlib
(the ``sweep`` extra) are imported when a sweep runs.
"""

from __future__ import annotations

from simk8s.sweep.point import run_point
from simk8s.sweep.run import SweepResult, run_sweep
from simk8s.sweep.spec import Point, SpecError, SweepSpec, load_spec, spec_from_dict

__all__ = ["Point", "SpecError", "SweepResult", "SweepSpec", "load_spec", "run_point", "run_sweep",
           "spec_from_dict"]
