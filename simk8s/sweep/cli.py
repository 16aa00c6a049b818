"""``simk8s sweep`` and ``simk8s campaign``: argument parsing over :mod:`simk8s.sweep`.

    simk8s sweep SPEC.yaml [--out DIR] [--csv] [--scheduler ADDR] [--workers N] [--fresh] [--no-plots]
    simk8s campaign [--machine MODULE:CLASS] [--runs N] [--examples N] [--steps N] [--seed S] [--out DIR]
                    [--scheduler ADDR] [--workers N] [--keep-going] [--no-shrink]

Exit status: 0 when every point (run) passed, 1 when some failed (they are in the table, or saved
as replay files), 2 when the spec or the options are wrong (one line: ``simk8s: error: ...``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simk8s.sweep import campaign as camp
from simk8s.sweep.engine import EngineError
from simk8s.sweep.run import run_sweep
from simk8s.sweep.spec import SpecError, load_spec

__all__ = ["COMMANDS", "add_parsers", "main"]

COMMANDS = ("sweep", "campaign")


def _engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", metavar="ADDR", default=None,
                   help="an existing Dask scheduler (tcp://host:8786); default: $DASK_SCHEDULER_ADDRESS, "
                        "else a LocalCluster started for the run")
    p.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes (default: one per core)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")


def add_parsers(sub: Any) -> None:
    sw = sub.add_parser("sweep", help="run a scenario over a grid or sample of parameters and seeds, on Dask")
    sw.add_argument("spec", help="a sweep spec (YAML; see docs/sweeps.md)")
    sw.add_argument("--out", metavar="DIR", help="output directory (default: sweep-<name>)")
    sw.add_argument("--csv", action="store_true", help="also write results.csv")
    sw.add_argument("--fresh", action="store_true", help="ignore an existing table instead of resuming it")
    sw.add_argument("--no-plots", action="store_true", help="do not draw the PNG per measure")
    _engine_options(sw)
    cp = sub.add_parser("campaign", help="run the property state machine as many seeded hypothesis runs, on Dask")
    cp.add_argument("--machine", default=camp.DEFAULT_MACHINE, metavar="MODULE:CLASS",
                    help=f"a ClusterMachine subclass (default {camp.DEFAULT_MACHINE})")
    cp.add_argument("--runs", type=int, default=8, help="independent hypothesis runs (default 8)")
    cp.add_argument("--examples", type=int, default=20, help="examples per run (default 20)")
    cp.add_argument("--steps", type=int, default=20, help="steps per example (default 20)")
    cp.add_argument("--seed", type=int, default=0, help="run i uses seed SEED+i (default 0)")
    cp.add_argument("--out", metavar="DIR", default="campaign", help="replay files and the example database")
    cp.add_argument("--keep-going", action="store_true", help="do not stop at the first failing run")
    cp.add_argument("--no-shrink", action="store_true", help="save failures as found, without shrinking them")
    _engine_options(cp)


def main(args: argparse.Namespace) -> int:
    try:
        if args.command == "sweep":
            return _sweep(args)
        return _campaign(args)
    except (SpecError, EngineError, camp.CampaignError) as e:
        print(f"simk8s: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("simk8s: interrupted (finished results are saved; run again to resume)", file=sys.stderr)
        return 130


def _positive(name: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise SpecError(f"{name} must be at least 1, got {value}")


def _sweep(args: argparse.Namespace) -> int:
    _positive("--workers", args.workers)
    spec = load_spec(args.spec)
    out = Path(args.out or f"sweep-{spec.name}")
    result = run_sweep(spec, out, scheduler=args.scheduler, workers=args.workers, csv=args.csv,
                       fresh=args.fresh, plots=not args.no_plots, progress=False if args.no_progress else None)
    sys.stdout.write(result.summary)
    for p in result.plots:
        print(f"plot: {p}")
    return 1 if result.failed else 0


def _campaign(args: argparse.Namespace) -> int:
    for name in ("workers", "runs", "examples", "steps"):
        _positive(f"--{name}", getattr(args, name))
    result = camp.run_campaign(args.machine, runs=args.runs, examples=args.examples, steps=args.steps,
                               seed=args.seed, out=Path(args.out), scheduler=args.scheduler, workers=args.workers,
                               keep_going=args.keep_going, shrink=not args.no_shrink,
                               progress=False if args.no_progress else None)
    sys.stdout.write(result.report())
    return 1 if result.failures else 0
