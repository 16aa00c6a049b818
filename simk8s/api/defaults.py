"""Defaulting of API objects, as the API server's defaulters fill in omitted fields."""

from __future__ import annotations

from typing import Any

from simk8s.api.kinds import Kind

__all__ = ["apply_defaults"]


def apply_defaults(kind: Kind, obj: dict[str, Any]) -> None:
    """Fill in defaults in place on a mutable (thawed) object."""
    return None
