"""What ``serve`` shows of custom resources: their CRD's printer columns in Tables, their CRD's
schema in the OpenAPI documents."""

from __future__ import annotations

from typing import Any

import simk8s.printing.custom as custom
from simk8s.api.crd.definition import CustomKind
from simk8s.api.frozen import thaw
from simk8s.api.kinds import Kind
from simk8s.serve.tables import Columns

__all__ = ["columns", "schema"]


def columns(kind: Kind) -> Columns | None:
    """NAME and the CRD's additionalPrinterColumns (``priority`` > 0: wide only); None for built-ins."""
    if not isinstance(kind, CustomKind):
        return None
    head, row = custom.columns(kind, wide=True)
    priorities = [0, *(1 if c.get("priority") else 0 for c in kind.columns or ({},))]
    return list(zip(head, priorities, strict=True)), row


def schema(kind: Kind) -> dict[str, Any] | None:
    """The CRD's openAPIV3Schema of a custom resource's served version; None for built-ins."""
    if not isinstance(kind, CustomKind) or kind.schema is None:
        return None
    return dict(thaw(kind.schema))
