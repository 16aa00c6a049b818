"""The sweep's tidy table (one row per point, one column per parameter or measure), its summary
and its plots.

Columns, in this order: ``point`` (the point's index in the spec), ``key`` (the point's parameters
and seed as JSON: what resume matches), ``seed``, one column per parameter, ``status`` (``ok`` or
``error``), the measures (``events.<Reason>`` columns for ``events_by_reason``), ``violations``,
``virtual_seconds``, ``error`` (the traceback of a failed point). Rows are sorted by ``point``.
The Parquet file's metadata holds the spec's fingerprint (see
:meth:`~simk8s.sweep.spec.SweepSpec.fingerprint`).

pandas, pyarrow and matplotlib are imported inside the functions: optional dependencies (the
``sweep`` extra) that ``import simk8s`` must not pull in.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from simk8s.sweep.spec import MEASURES

__all__ = ["columns", "plot", "read_rows", "summary", "to_frame", "write_table"]

FINGERPRINT = b"simk8s.sweep.fingerprint"
_FIRST = ("point", "key", "seed")
_LAST = ("violations", "virtual_seconds", "error")
_SCALAR = tuple(m for m in MEASURES if m != "events_by_reason")


def columns(rows: Iterable[Mapping[str, Any]], params: Sequence[str]) -> list[str]:
    """The table's columns for ``rows``: identity, parameters, status, measures, the rest."""
    seen: dict[str, None] = {}
    for r in rows:
        seen.update(dict.fromkeys(r))
    events = sorted(c for c in seen if c.startswith("events."))
    measures = [m for m in _SCALAR if m in seen]
    known = {*_FIRST, *params, "status", *measures, *events, *_LAST}
    other = sorted(c for c in seen if c not in known)
    return [*_FIRST, *(p for p in params if p not in _FIRST), "status", *measures, *events, *other,
            *(c for c in _LAST if c in seen)]


def to_frame(rows: Sequence[Mapping[str, Any]], params: Sequence[str]) -> Any:
    """A pandas DataFrame of ``rows`` with the table's columns and types."""
    import pandas as pd  # optional dependency (the sweep extra)

    cols = columns(rows, params)
    data: dict[str, list[Any]] = {c: [r.get(c) for r in rows] for c in cols}
    for c in cols:
        if c.startswith("events."):
            # A reason a run never saw happened 0 times there (unknown for failed points).
            data[c] = [r.get(c, 0 if r.get("status") == "ok" else None) for r in rows]
        elif c in params:
            data[c] = _uniform(data[c])
    frame = pd.DataFrame(data, columns=cols)
    for c in cols:
        if c.startswith("events.") or c == "invariant_violations" or c in ("dns_answer_changes",
                                                                           "expectation_failures"):
            frame[c] = frame[c].astype("Int64")
    return frame


def _uniform(values: list[Any]) -> list[Any]:
    """One type per parameter column: numbers stay numbers, anything mixed becomes text."""
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int} or kinds <= {int, float} or kinds <= {str} or kinds <= {bool}:
        return values
    return [None if v is None else str(v) for v in values]


def write_table(rows: Sequence[Mapping[str, Any]], params: Sequence[str], path: Path, fingerprint: str,
                csv: Path | None = None) -> Any:
    """Write ``rows`` (already sorted) to Parquet at ``path`` atomically (and to ``csv``); the frame."""
    import pyarrow as pa  # optional dependency (the sweep extra)
    import pyarrow.parquet as pq

    frame = to_frame(rows, params)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), FINGERPRINT: fingerprint.encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    if csv is not None:
        tmp = csv.with_name(csv.name + ".tmp")
        frame.to_csv(tmp, index=False)
        os.replace(tmp, csv)
    return frame


def read_rows(path: Path) -> tuple[list[dict[str, Any]], str | None]:
    """The rows of a table written by :func:`write_table`, and its fingerprint."""
    import pyarrow.parquet as pq  # optional dependency (the sweep extra)

    table = pq.read_table(path)
    fingerprint = (table.schema.metadata or {}).get(FINGERPRINT)
    rows = [{k: v for k, v in r.items() if not _missing(v)} for r in table.to_pylist()]
    return rows, fingerprint.decode() if fingerprint else None


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


# ------------------------------------------------------------------------------------ summary
def summary(frame: Any, params: Sequence[str], measures: Sequence[str]) -> str:
    """Per measure, per combination of parameters (over seeds): runs, mean, median, p95, max; then
    the mean count of each event reason, and the first failed points."""
    import pandas as pd  # optional dependency (the sweep extra)

    ok = frame[frame["status"] == "ok"]
    keys = [p for p in params if p in frame.columns]
    lines = [f"{len(frame)} points: {len(ok)} ok, {len(frame) - len(ok)} failed"]
    for m in (m for m in _SCALAR if m in measures and m in frame.columns and len(ok)):
        col = pd.to_numeric(ok[m], errors="coerce").astype("float")
        groups = col.groupby([ok[k] for k in keys], sort=True, dropna=False) if keys else col.groupby(
            pd.Series("all", index=ok.index, name="points"))
        table = groups.agg(runs="count", mean="mean", median="median", p95=lambda s: s.quantile(0.95), max="max")
        lines.append(f"\n{m}:\n" + table.to_string(float_format=lambda x: f"{x:.2f}"))
    events = [c for c in frame.columns if c.startswith("events.")]
    if events and len(ok):
        means = ok[events].astype("float").mean()
        lines.append("\nevents by reason (mean per run): " + ", ".join(
            f"{c[len('events.'):]} {v:.1f}" for c, v in means.items()))
    failed = frame[frame["status"] != "ok"]
    for _, r in failed.head(3).iterrows():
        last = str(r["error"]).strip().splitlines()[-1] if str(r["error"]).strip() else "?"
        lines.append(f"point {r['point']} failed: {last}")
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------------- plots
def plot(frame: Any, params: Sequence[str], measure: str, path: Path, title: str = "") -> Path:
    """One PNG for ``measure``: its mean over seeds (and the 5-95 % band) against the first parameter,
    a line per value of the others; a histogram when nothing was swept but seeds; for
    ``events_by_reason`` the mean count per reason."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # optional dependency (the sweep and test extras)

    ok = frame[frame["status"] == "ok"]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    keys = [p for p in params if p in frame.columns]
    if measure == "events_by_reason":
        events = sorted(c for c in frame.columns if c.startswith("events."))
        groups = ok.groupby(keys[0], sort=True) if keys else [("all runs", ok)]
        groups = list(groups)[:6]
        width = 0.8 / max(len(groups), 1)
        for i, (value, g) in enumerate(groups):
            means = [g[c].astype("float").mean() for c in events]
            ax.barh([j + i * width for j in range(len(events))], means, height=width,
                    label=f"{keys[0]}={value}" if keys else str(value))
        ax.set_yticks([j + 0.4 - width / 2 for j in range(len(events))], [c[len("events."):] for c in events])
        ax.set_xlabel("events per run (mean)")
        if keys:
            ax.legend(fontsize=8)
    elif not keys:
        ax.hist(ok[measure].astype("float").dropna(), bins=min(30, max(5, len(ok) // 3)))
        ax.set_xlabel(measure)
        ax.set_ylabel("runs")
    else:
        x, rest = keys[0], keys[1:]
        xs = sorted(ok[x].dropna().unique(), key=_order)
        pos = {v: (float(v) if _numeric(xs) else i) for i, v in enumerate(xs)}
        groups = ok.groupby(rest, sort=True) if rest else [((), ok)]
        for name, g in list(groups)[:8]:
            stats = g.groupby(x)[measure].agg(["mean", lambda s: s.quantile(0.05), lambda s: s.quantile(0.95)])
            stats = stats.loc[[v for v in xs if v in stats.index]]
            at = [pos[v] for v in stats.index]
            name = name if isinstance(name, tuple) else (name,)
            label = ", ".join(f"{k}={v}" for k, v in zip(rest, name, strict=True)) or None
            ax.plot(at, stats.iloc[:, 0], marker="o", label=label)
            ax.fill_between(at, stats.iloc[:, 1], stats.iloc[:, 2], alpha=0.2)
        if not _numeric(xs):
            ax.set_xticks(list(pos.values()), [str(v) for v in xs])
        ax.set_xlabel(x)
        ax.set_ylabel(f"{measure} (mean, 5-95 %)")
        if rest:
            ax.legend(fontsize=8)
    ax.set_title(title or measure, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _numeric(values: Sequence[Any]) -> bool:
    # numbers.Real: numpy's integers are not ``int`` but are registered as Real numbers.
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)


def _order(v: Any) -> tuple[int, Any]:
    return (0, v) if _numeric([v]) else (1, str(v))
