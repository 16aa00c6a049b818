"""Structural schema of the served kinds, for strict decoding (unknown fields are rejected)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.kinds import Kind

__all__ = ["unknown_fields"]


def unknown_fields(kind: Kind, obj: Mapping[str, Any]) -> list[str]:
    """Paths of fields the kind's schema does not know (``spec.replica``), in document order."""
    return []
