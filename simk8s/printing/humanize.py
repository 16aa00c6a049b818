"""kubectl's AGE: apimachinery ``duration.HumanDuration`` (integer truncation, not rounding)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from simk8s.api.times import parse_time

__all__ = ["age", "human_duration", "since"]


def human_duration(seconds: float) -> str:
    """``8s``, ``119s``, ``2m54s``, ``11m``, ``3h5m``, ``47h``, ``3d4h``, ``400d``, ``3y20d``."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m{rem}s" if rem else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h{rem}m" if rem else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d{rem}h" if rem else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def since(value: str | None, now: datetime) -> str:
    """Human duration from an RFC 3339 timestamp to ``now``; ``<unknown>`` when missing."""
    if not value:
        return "<unknown>"
    return human_duration((now - parse_time(value)).total_seconds())


def age(obj: Mapping[str, Any], now: datetime) -> str:
    return since(obj.get("metadata", {}).get("creationTimestamp"), now)
