"""The columns of a custom resource: NAME, then its CRD's ``additionalPrinterColumns`` (only AGE
when it declares none), each cell as the apiextensions table converter makes it and kubectl prints
it. Columns with a ``priority`` above 0 show with ``-o wide`` only, in the CRD's order."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from simk8s.api.crd.definition import CustomKind
from simk8s.api.yamlio import go_float
from simk8s.printing.humanize import since
from simk8s.printing.jsonpath import JsonPathError, find, jsonpath

__all__ = ["columns"]

_AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
NONE = "<none>"


def _cell(column: Mapping[str, Any], obj: Mapping[str, Any], now: datetime) -> str:
    path = str(column.get("jsonPath", ""))
    try:
        found = find(path, obj)
    except JsonPathError:
        return NONE
    if not found:
        return NONE
    value = found[0]
    kind = column.get("type")
    if kind == "string":
        try:
            return jsonpath("{" + path + "}", obj)
        except JsonPathError:
            return NONE
    if kind == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value))
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return go_float(float(value)) if isinstance(value, float) else str(value)
    if kind == "boolean" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "date" and isinstance(value, str):
        try:
            return since(value, now)
        except ValueError:
            return "<invalid>"
    return NONE


def columns(kind: CustomKind, wide: bool) -> tuple[list[str], Callable[[Mapping[str, Any], datetime], list[str]]]:
    """The header and the row function of ``kubectl get`` for objects of ``kind``."""
    shown = [c for c in (kind.columns or (_AGE,)) if wide or not c.get("priority")]
    head = ["NAME", *(str(c.get("name", "")).upper() for c in shown)]

    def row(obj: Mapping[str, Any], now: datetime) -> list[str]:
        return [obj["metadata"]["name"], *(_cell(c, obj, now) for c in shown)]

    return head, row
