"""``run_sweep``: every point of a spec on a Dask cluster, into a tidy table, a summary and plots.

The output directory holds ``results.parquet`` (and ``results.csv`` on request), ``summary.txt``
and one ``<measure>.png`` per measure. The table is rewritten (atomically) every few seconds while
results stream in, so an interrupted sweep keeps what finished; run it again to resume: points
whose row is in the table with ``status: ok`` are skipped, failed points are tried again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simk8s.sweep.engine import Progress, open_client, stream, workers_of
from simk8s.sweep.point import run_point
from simk8s.sweep.spec import Point, SpecError, SweepSpec
from simk8s.sweep.table import plot, read_rows, summary, write_table

__all__ = ["SweepResult", "run_sweep"]

CHECKPOINT_SECONDS = 5.0


@dataclass
class SweepResult:
    table: Path
    frame: Any                       # the pandas DataFrame written
    ran: int                         # points run this time
    skipped: int                     # points already in the table
    failed: int                      # points of the table whose status is error
    workers: int
    seconds: float
    summary: str = ""
    plots: list[Path] = field(default_factory=list)


def run_sweep(spec: SweepSpec, out: str | Path, *, scheduler: str | None = None, workers: int | None = None,
              csv: bool = False, fresh: bool = False, plots: bool = True, progress: bool | None = None,
              client: Any = None) -> SweepResult:
    """Run the points of ``spec`` not yet in ``out/results.parquet``; write table, summary, plots.

    ``client`` (a ``distributed.Client``) is used as is; otherwise one is opened with
    ``scheduler``/``workers`` (see :func:`~simk8s.sweep.engine.open_client`). ``fresh`` ignores an
    existing table. Raises :class:`SpecError` if the table was made by a spec whose points compute
    something else (another scenario, horizon, fault schedules or measures).
    """
    out = Path(out)
    path = out / "results.parquet"
    csv_path = out / "results.csv" if csv else None
    points = spec.points()
    params = spec.param_names
    rows: dict[str, dict[str, Any]] = {}
    if path.exists() and not fresh:
        old, fingerprint = read_rows(path)
        if fingerprint != spec.fingerprint():
            raise SpecError(f"{path} was made by a sweep whose points compute something else "
                            "(scenario, horizon, faults or measures changed); use --fresh or another --out")
        rows = {str(r["key"]): r for r in old}
    todo = [p for p in points if rows.get(p.key, {}).get("status") != "ok"]
    skipped = len(points) - len(todo)
    index = {p.key: p.index for p in points}

    def sorted_rows() -> list[dict[str, Any]]:
        # Points of this spec in its order (their index recomputed: the spec may have grown), then
        # rows of earlier versions of the spec that are no longer points, by key.
        for key, r in rows.items():
            if key in index:
                r["point"] = index[key]
        return sorted(rows.values(), key=lambda r: (0, r["point"], "") if r["key"] in index else (1, 0, r["key"]))

    bar = Progress(len(todo), spec.name, enabled=progress)
    last_write = time.monotonic()
    start = time.monotonic()

    def on_row(point: Point, row: dict[str, Any]) -> None:
        nonlocal last_write
        rows[point.key] = row
        bar.update(error=row.get("status") != "ok")
        if time.monotonic() - last_write > CHECKPOINT_SECONDS:
            write_table(sorted_rows(), params, path, spec.fingerprint())
            last_write = time.monotonic()

    def on_error(point: Point, tb: str) -> None:
        on_row(point, {"point": point.index, "key": point.key, "seed": point.seed,
                       **{n: v for n, v in point.params}, "status": "error", "error": tb})

    def go(client: Any) -> int:
        items = [{"index": p.index, "key": p.key, "seed": p.seed, "params": dict(p.params)} for p in todo]
        by_key = {p.key: p for p in todo}
        stream(client, run_point, spec.payload(), items,
               on_result=lambda item, row: on_row(by_key[item["key"]], row),
               on_error=lambda item, tb: on_error(by_key[item["key"]], tb))
        return workers_of(client)

    try:
        if not todo:
            n_workers = 0
        elif client is not None:
            n_workers = go(client)
        else:
            with open_client(scheduler, workers) as c:
                n_workers = go(c)
    finally:
        bar.close()
        if rows:
            frame = write_table(sorted_rows(), params, path, spec.fingerprint(), csv=csv_path)
    if not rows:
        raise SpecError(f"{spec.source}: the spec has no points")
    seconds = time.monotonic() - start
    text = summary(frame, params, spec.measures)
    head = (f"sweep {spec.name}: {len(points)} points ({len(todo)} run on {n_workers} workers in {seconds:.1f} s, "
            f"{skipped} already in the table); table {path}\n")
    (out / "summary.txt").write_text(text)
    pictures = []
    if plots and (frame["status"] == "ok").any():
        for m in spec.measures:
            if m == "events_by_reason" and not any(c.startswith("events.") for c in frame.columns):
                continue
            if m != "events_by_reason" and m not in frame.columns:
                continue
            pictures.append(plot(frame, params, m, out / f"{m}.png", title=f"{spec.name}: {m}"))
    failed = int((frame["status"] != "ok").sum())
    return SweepResult(path, frame, len(todo), skipped, failed, n_workers, seconds, head + text, pictures)
