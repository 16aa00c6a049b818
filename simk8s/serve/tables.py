"""Server-side ``meta.k8s.io/v1`` Tables, from the same printers as the kubectl emulation.

kubectl has no per-kind printers of its own: it lays out whatever columns the server sends
(``priority: 1`` ones only with ``-o wide``). Kinds without a printer get NAME and AGE; custom
resources get their CRD's ``additionalPrinterColumns`` (see :mod:`simk8s.serve.crds`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import simk8s.printing.printers as printers
from simk8s.api.frozen import thaw
from simk8s.api.kinds import Kind
from simk8s.printing.humanize import age

__all__ = ["TABLE_TYPE", "Columns", "partial_metadata", "table", "wants_table"]

TABLE_TYPE = "as=Table"

#: A kind's columns: (header, priority) pairs and the row function (object, now) -> cells.
Columns = tuple[list[tuple[str, int]], Callable[[Any, datetime], list[Any]]]


def wants_table(accept: str) -> bool:
    return TABLE_TYPE in accept and "g=meta.k8s.io" in accept


def partial_metadata(obj: Any) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": thaw(obj["metadata"])}


def _printer_columns(kind: str) -> Columns | None:
    if not printers.has_printer(kind):
        return None
    normal = printers.table(kind, [], datetime.min, wide=False)[0]
    wide = printers.table(kind, [], datetime.min, wide=True)[0]
    head = [(h, 0 if i < len(normal) else 1) for i, h in enumerate(wide)]
    return head, lambda o, now: printers.table(kind, [o], now, wide=True)[1][0]


def _default_columns() -> Columns:
    return [("NAME", 0), ("AGE", 0)], lambda o, now: [o["metadata"]["name"], age(o, now)]


def columns_for(kind: Kind, custom: Callable[[Kind], Columns | None] | None = None) -> Columns:
    return (custom(kind) if custom else None) or _printer_columns(kind.kind) or _default_columns()


def table(cols: Columns, objs: Sequence[Any], now: datetime | Sequence[datetime], resource_version: str, *,
          headers: bool = True, continue_token: str = "") -> dict[str, Any]:
    """A Table of ``objs``; ``now`` may be one time per object (watch rows age from their event)."""
    head, row = cols
    nows = list(now) if isinstance(now, Sequence) else [now] * len(objs)
    meta: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    out: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    out["columnDefinitions"] = [
        {"name": h, "type": "string", "format": "name" if i == 0 else "", "description": "", "priority": p}
        for i, (h, p) in enumerate(head)] if headers else []
    out["rows"] = [{"cells": row(o, t), "object": partial_metadata(o)} for o, t in zip(objs, nows, strict=True)]
    return out
